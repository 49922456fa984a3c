//! Simulated AWS Backup API (placeholder).
