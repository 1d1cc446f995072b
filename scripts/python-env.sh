# Sourced by scripts/compat.sh and scripts/examples.sh (from the repository root): the
# virtual environment with the pinned SDKs and the edugraph binary they drive.
#
# 1. creates the virtual environment .venv/compat (again when compat/requirements.txt
#    changed) and installs the pinned SDKs from PyPI;
# 2. installs the beta SDK of compat/requirements-sds.txt (msgraph-beta-sdk 1.18.0, the
#    last release with School Data Sync's `education.synchronization_profiles`) into its
#    own folder, $venv/sds-sdk (again when that file changed, or when the venv was
#    recreated, which removes the folder): it is the package `msgraph_beta` too, so it
#    cannot sit in site-packages beside the current pin. `--no-deps`: it runs on what the
#    current SDKs pulled into the venv (kiota 1.16, msgraph-core, azure-core; its own
#    ranges accept them), so nothing is duplicated or re-resolved. compat.sh puts the
#    folder first on PYTHONPATH for the compat/sds run only;
# 3. builds the binary. The debug profile on purpose: `cargo test --workspace` (run just
#    before by scripts/test.sh) has already compiled it, so CI pays no second, much
#    slower optimised build; dependencies are optimised even in debug (Cargo.toml), which
#    is all the suites need. It is built the way `cargo test --workspace` builds it
#    (`--no-run`): a plain `cargo build -p edugraph-server` resolves the dependencies'
#    features without the dev-dependencies and would compile several crates again.
#    EDUGRAPH_COMPAT_PROFILE=release switches.
# Sets `venv` (its folder), `sds_sdk` (the 1.18.0 beta SDK's folder) and `bin` (the binary).

venv=.venv/compat
requirements=compat/requirements.txt
stamp="$venv/.requirements.sha256"
want=$(sha256sum "$requirements" | cut -d' ' -f1)
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "== preparing $venv"
  if ! python3 -m venv --help >/dev/null 2>&1; then
    echo "python3 with venv is missing; installing it from Debian's packages"
    apt-get update -qq && apt-get install -y -qq python3 python3-venv >/dev/null
  fi
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  echo "$want" >"$stamp"
fi

sds_sdk="$venv/sds-sdk"
sds_requirements=compat/requirements-sds.txt
sds_stamp="$sds_sdk/.requirements.sha256"
sds_want=$(sha256sum "$sds_requirements" | cut -d' ' -f1)
if [ "$(cat "$sds_stamp" 2>/dev/null)" != "$sds_want" ]; then
  echo "== preparing $sds_sdk"
  rm -rf "$sds_sdk"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
    --target "$sds_sdk" -r "$sds_requirements"
  echo "$sds_want" >"$sds_stamp"
fi

profile=${EDUGRAPH_COMPAT_PROFILE:-debug}
echo "== building edugraph ($profile)"
if [ "$profile" = release ]; then
  cargo build --locked --release -p edugraph-server --bin edugraph
else
  cargo test --locked --workspace --no-run --quiet
fi
target_dir=$(cargo metadata --format-version 1 --no-deps | "$venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
bin="$target_dir/$profile/edugraph"
