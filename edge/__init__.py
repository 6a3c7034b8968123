"""commune-edge: the headless core of the commune office appliance.

Everything that stores or changes a record lives here; the kiosk, the sync agent, the hardware
service and the CLI are front ends that call one function of this package each.
"""

__version__ = "0.1.0"
