"""The appliance's devices: status LEDs, buttons and buzzer (gpiozero), receipt printer, QR scanner
and mobile modem (pyserial). Every device is optional. See docs/hardware.md."""
