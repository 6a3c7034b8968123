#!/bin/bash -e
# pi-gen, on the build host: put the appliance's files and the product's wheel into the image.
# ROOTFS_DIR is set by pi-gen; this script runs from its own folder.

files="files/rootfs"

# Configuration, units and scripts, with the modes they need (secrets come only at first boot).
while IFS= read -r -d '' src; do
	rel="${src#"${files}"/}"
	mode=644
	case "${rel}" in
		usr/local/sbin/* | usr/local/bin/*) mode=755 ;;
	esac
	install -D -m "${mode}" -o root -g root "${src}" "${ROOTFS_DIR}/${rel}"
done < <(find "${files}" -type f -print0)

# The product, installed into a venv by the chroot step.
shopt -s nullglob
wheels=(files/dist/commune_edge-*.whl)
if [ "${#wheels[@]}" -ne 1 ]; then
	echo "stage-commune: expected exactly one commune_edge-*.whl in $(pwd)/files/dist" >&2
	echo "stage-commune: build it with images/build-image.sh (or pip wheel --no-deps)" >&2
	exit 1
fi
install -d -m 755 "${ROOTFS_DIR}/opt/commune-edge/dist"
rm -f "${ROOTFS_DIR}"/opt/commune-edge/dist/*.whl
install -m 644 "${wheels[0]}" "${ROOTFS_DIR}/opt/commune-edge/dist/"
if [ -f files/dist/operations-technician.md ]; then
	install -D -m 644 files/dist/operations-technician.md \
		"${ROOTFS_DIR}/opt/commune-edge/docs/operations-technician.md"
fi
