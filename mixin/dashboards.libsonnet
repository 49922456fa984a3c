// Grafana dashboards of the aws-backup-exporter mixin. The dashboard is kept as plain Grafana
// JSON in mixin/dashboards/ (edit it in Grafana, export, and save it there), written without
// the exporter selector: every query of the exporter's series uses braces, `m{}` when it has no
// matcher of its own, and the selector of _config goes into each of them here, as it does into
// the query variables. `@name@` tokens stand for the thresholds of _config, so that the panels
// judge as the alerts do: `@backupMaxAge@` and `@backupMaxAgeSeconds@` (backupMaxAge),
// `@backupOverdueFactor@`, `@backupOverdueMargin@` and `@backupOverdueMarginSeconds@`,
// `@restoreTestingPlanFactor@`, `@restoreMaxAge@` and `@restoreMaxAgeSeconds@`. A string that is
// only a numeric token (a threshold step's "value") becomes that number.
local utils = import 'lib/utils.libsonnet';

{
  grafanaDashboards+:: {
    local cfg = $._config,
    'aws-backup.json': utils.dashboard(
      import 'dashboards/aws-backup.json',
      cfg.awsBackupExporterSelector,
      {
        backupMaxAge: cfg.backupMaxAge,
        backupOverdueMargin: cfg.backupOverdueMargin,
        restoreMaxAge: cfg.restoreMaxAge,
      },
      {
        backupMaxAgeSeconds: utils.seconds(cfg.backupMaxAge),
        backupOverdueFactor: cfg.backupOverdueFactor,
        backupOverdueMarginSeconds: utils.seconds(cfg.backupOverdueMargin),
        restoreTestingPlanFactor: cfg.restoreTestingPlanFactor,
        restoreMaxAgeSeconds: utils.seconds(cfg.restoreMaxAge),
      },
    ),
  },
}
