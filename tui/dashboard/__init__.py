"""The provincial dashboard: fleet health, the plan's KPIs, drill-down into a commune (Textual)."""
