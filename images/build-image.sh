#!/bin/bash
# Build the commune SD image with pi-gen on a Debian host.
#
#   images/build-image.sh PI_GEN_DIR [--docker]
#
# PI_GEN_DIR is a clone of pi-gen's arm64 branch (64-bit Raspberry Pi OS). The script builds the
# product's wheel, copies our stage and config into PI_GEN_DIR, stops stage2 from exporting its own
# Lite image, and runs pi-gen (build.sh as root, or build-docker.sh with --docker). The image ends up
# in PI_GEN_DIR/deploy/.
set -euo pipefail

usage() {
	echo "usage: $0 PI_GEN_DIR [--docker]" >&2
	exit 2
}

[ $# -ge 1 ] || usage
pigen=$(cd "$1" && pwd)
mode="${2:-}"
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "${here}")
stage="${here}/pi-gen/stage-commune"

[ -x "${pigen}/build.sh" ] || {
	echo "${pigen}: not a pi-gen checkout (no build.sh)" >&2
	exit 1
}
if [ "$(git -C "${pigen}" rev-parse --abbrev-ref HEAD 2>/dev/null || true)" != "arm64" ]; then
	echo "warning: ${pigen} is not on pi-gen's arm64 branch; the image may be 32-bit" >&2
fi

# The product: one wheel (dependencies are installed from the package index inside the image), and
# the technician's guide.
dist="${stage}/00-commune/files/dist"
rm -f "${dist}"/*.whl "${dist}"/*.md
python3 -m pip wheel --quiet --no-deps --wheel-dir "${dist}" "${repo}"
cp "${repo}/docs/operations-technician.md" "${dist}/"

# Our stage and config, copied (build-docker.sh only sees the pi-gen folder).
rm -rf "${pigen}/stage-commune"
cp -a "${stage}" "${pigen}/stage-commune"
cp "${here}/pi-gen/config" "${pigen}/config"
touch "${pigen}/stage2/SKIP_IMAGES"

cd "${pigen}"
case "${mode}" in
	--docker) ./build-docker.sh ;;
	"") ./build.sh ;;
	*) usage ;;
esac
ls -l "${pigen}/deploy/"
