"""What readers measure: disclosure metrics, 条例 deadlines and overdue sources (docs/metrics.md)."""
