// Monitoring mixin of aws-backup-exporter: prometheusAlerts, prometheusRules,
// grafanaDashboards and _config, as the monitoring-mixins convention has it. Needs no library:
//
//   local awsBackup = (import 'aws-backup-exporter-mixin/mixin.libsonnet') + {
//     _config+:: { awsBackupExporterSelector: 'job="aws-backup"' },
//   };
//   { groups: awsBackup.prometheusRules.groups + awsBackup.prometheusAlerts.groups }
//
// The shipped alerts/aws-backup.rules.yml, dashboards/aws-backup.json and the generated
// manifests of deploy/kubernetes/base are rendered from it by scripts/mixin (see render.jsonnet).
(import 'config.libsonnet')
+ (import 'alerts.libsonnet')
+ (import 'rules.libsonnet')
+ (import 'dashboards.libsonnet')
