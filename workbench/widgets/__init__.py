"""Interactive panels: ipywidgets controls + a live Altair chart + calls into the science layer."""

from .fitting import fitting_panel
from .panel import Panel, View, control_values, log_slider
from .training import TrainingPanel

__all__ = ["Panel", "View", "TrainingPanel", "log_slider", "control_values", "fitting_panel"]
