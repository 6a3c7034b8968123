"""Widgets of the provincial dashboard."""
