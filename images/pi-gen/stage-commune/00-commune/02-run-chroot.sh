#!/bin/bash -e
# pi-gen, inside the image (chroot): the service user, the product's venv, services and hardening.

svc_user=commune-edge

# The service user: no password, no login shell, its home is the data folder.
if ! id -u "${svc_user}" >/dev/null 2>&1; then
	useradd --system --home-dir /var/lib/commune-edge --create-home --shell /usr/sbin/nologin \
		--user-group "${svc_user}"
fi
for group in gpio dialout video render input i2c spi lp; do
	if getent group "${group}" >/dev/null; then
		usermod -a -G "${group}" "${svc_user}"
	fi
done
install -d -m 700 -o "${svc_user}" -g "${svc_user}" /var/lib/commune-edge
install -d -m 700 -o root -g root /etc/commune-edge
install -d -m 755 /media/commune-backup

# The product in its own venv under /opt; the wheel was put there by 01-run.sh.
# --system-site-packages: gpiozero's pin backend lgpio comes from Debian (python3-lgpio)
python3 -m venv --system-site-packages /opt/commune-edge/venv
/opt/commune-edge/venv/bin/python -m pip install --no-cache-dir --upgrade pip
/opt/commune-edge/venv/bin/python -m pip install --no-cache-dir /opt/commune-edge/dist/commune_edge-*.whl
ln -sf /opt/commune-edge/venv/bin/commune-edge /usr/local/bin/commune-edge
/opt/commune-edge/venv/bin/commune-edge --help >/dev/null
/opt/commune-edge/venv/bin/litestream version

# No default or shared passwords: every account's password is locked; SSH is off (keys only when a
# technician turns it on).
passwd -l root
if [ -n "${FIRST_USER_NAME:-}" ] && id -u "${FIRST_USER_NAME}" >/dev/null 2>&1; then
	passwd -l "${FIRST_USER_NAME}"
fi
systemctl disable ssh.service 2>/dev/null || true
systemctl mask userconfig.service 2>/dev/null || true
rm -f /etc/ssh/sshd_config.d/rename_user.conf

# The USB backup stick, mounted on demand when present (label COMMUNEBAK, FAT32 or exFAT).
if ! grep -q 'LABEL=COMMUNEBAK' /etc/fstab; then
	echo "LABEL=COMMUNEBAK /media/commune-backup auto nofail,noatime,x-systemd.automount,x-systemd.device-timeout=5s,uid=${svc_user},gid=${svc_user},umask=077 0 0" >>/etc/fstab
fi

# Services: first boot, kiosk, sync, hardware, backup; firewall, time, unattended upgrades.
systemctl enable commune-firstboot.service commune-kiosk.service commune-sync.service \
	commune-hardware.service commune-backup.service
systemctl enable nftables.service systemd-timesyncd.service fake-hwclock.service
systemctl enable unattended-upgrades.service
systemctl set-default graphical.target
# The kiosk owns tty1.
systemctl mask getty@tty1.service
