"""Screens of the provincial dashboard."""
