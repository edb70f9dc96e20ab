"""Small PyTorch models that explain scaling, trained many at once.

Every trainer returns a runs table (a pandas DataFrame), so its results go
through the same fitting and charts as published data. Shared helpers:
:mod:`workbench.toys.device` (device, seeding, CPU threads) and
:mod:`workbench.toys.progress` (progress bars, partial results, stopping).
"""

from .device import describe_device, device, fastest_num_threads, generator, num_threads
from .progress import Progress

__all__ = ["device", "describe_device", "generator", "num_threads", "fastest_num_threads", "Progress"]
