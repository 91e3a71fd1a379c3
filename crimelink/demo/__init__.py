"""The synthetic demo borough: partner registers with noise, planted organised crime and ground truth.

All people, places, phones, vehicles and companies are invented. See :func:`generate_demo`.
"""

from crimelink.demo.generator import DatasetInfo, DemoManifest, generate_demo
from crimelink.demo.spec import Agency

__all__ = ["Agency", "DatasetInfo", "DemoManifest", "generate_demo"]
