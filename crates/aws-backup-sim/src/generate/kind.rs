//! The kinds of resources AWS Backup protects, and how long their jobs take.

const GIB: f64 = 1_073_741_824.0;
const MIB: f64 = 1_048_576.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Ebs,
    Ec2,
    Rds,
    Aurora,
    DynamoDb,
    Efs,
    S3,
    FSx,
    DocumentDb,
    Neptune,
    Vm,
}

pub(crate) const KINDS: [(Kind, u32); 11] = [
    (Kind::Ebs, 18),
    (Kind::Ec2, 18),
    (Kind::Rds, 14),
    (Kind::Aurora, 8),
    (Kind::DynamoDb, 12),
    (Kind::Efs, 8),
    (Kind::S3, 10),
    (Kind::FSx, 4),
    (Kind::DocumentDb, 3),
    (Kind::Neptune, 2),
    (Kind::Vm, 3),
];

impl Kind {
    /// AWS Backup's ResourceType spelling.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Ebs => "EBS",
            Kind::Ec2 => "EC2",
            Kind::Rds => "RDS",
            Kind::Aurora => "Aurora",
            Kind::DynamoDb => "DynamoDB",
            Kind::Efs => "EFS",
            Kind::S3 => "S3",
            Kind::FSx => "FSx",
            Kind::DocumentDb => "DocumentDB",
            Kind::Neptune => "Neptune",
            Kind::Vm => "VirtualMachine",
        }
    }

    pub(crate) fn backup_secs(self) -> (f64, f64) {
        match self {
            Kind::Ebs => (120.0, 2400.0),
            Kind::Ec2 => (300.0, 3600.0),
            Kind::Rds => (300.0, 2700.0),
            Kind::Aurora => (180.0, 1800.0),
            Kind::DynamoDb => (60.0, 600.0),
            Kind::Efs => (600.0, 10_800.0),
            Kind::S3 => (900.0, 14_400.0),
            Kind::FSx => (900.0, 5400.0),
            Kind::DocumentDb | Kind::Neptune => (180.0, 1200.0),
            Kind::Vm => (1800.0, 18_000.0),
        }
    }

    pub(crate) fn restore_secs(self) -> (f64, f64) {
        match self {
            Kind::Ebs => (120.0, 900.0),
            Kind::Ec2 => (300.0, 1800.0),
            Kind::Rds | Kind::Aurora => (600.0, 2400.0),
            Kind::DynamoDb => (300.0, 1800.0),
            Kind::Efs | Kind::S3 | Kind::FSx => (900.0, 3600.0),
            Kind::DocumentDb | Kind::Neptune => (600.0, 1800.0),
            Kind::Vm => (1800.0, 5400.0),
        }
    }

    /// Provisioned size range; AWS reports 0 for RDS and nothing for the cluster engines.
    pub(crate) fn size_range(self) -> Option<(f64, f64)> {
        match self {
            Kind::Ebs => Some((8.0 * GIB, 2048.0 * GIB)),
            Kind::Ec2 => Some((30.0 * GIB, 1024.0 * GIB)),
            Kind::Rds => Some((0.0, 0.0)),
            Kind::Aurora | Kind::DocumentDb | Kind::Neptune => None,
            Kind::DynamoDb => Some((10.0 * MIB, 200.0 * GIB)),
            Kind::Efs => Some((GIB, 5.0 * 1024.0 * GIB)),
            Kind::S3 => Some((100.0 * MIB, 20.0 * 1024.0 * GIB)),
            Kind::FSx => Some((100.0 * GIB, 10.0 * 1024.0 * GIB)),
            Kind::Vm => Some((40.0 * GIB, 4.0 * 1024.0 * GIB)),
        }
    }
}
