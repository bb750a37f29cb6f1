"""Builds swiftlr's extension module with SwiftPM.

setuptools drives the build (PEP 517, `setuptools.build_meta`); this file only
replaces the compile step of the one extension, `swiftlr._swiftlr`, with
`swift build`. SwiftPM compiles the Swift core and the C shim into one shared
library with the Swift standard library linked in statically, which is then
copied into the package under the extension's file name and stripped.
"""

import os
import shutil
import subprocess
import sysconfig
from pathlib import Path

import setuptools
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent


def read_spdx_license_with_old_setuptools() -> None:
    """Lets setuptools older than 77 read pyproject.toml's SPDX `license`.

    pip builds get the pinned setuptools (pyproject.toml's build-system), which
    reads it. An older setuptools, like the system python's 65 that
    `python3 setup.py build_ext --inplace` (the development build) uses,
    rejects the string form and `license-files`: hand it the old table form.
    """
    from setuptools.config import pyprojecttoml

    load = pyprojecttoml.load_file

    def load_file(path):  # type: ignore[no-untyped-def]
        data = load(path)
        project = data.get("project", {})
        if isinstance(project.get("license"), str):
            project["license"] = {"text": project["license"]}
        project.pop("license-files", None)
        return data

    pyprojecttoml.load_file = load_file


if int(setuptools.__version__.split(".")[0]) < 77:
    read_spdx_license_with_old_setuptools()


def find_swift() -> str:
    """`swift` from $SWIFT, PATH, or the toolchain's usual home /opt/swift."""
    for candidate in (os.environ.get("SWIFT"), shutil.which("swift"), "/opt/swift/usr/bin/swift"):
        if candidate and Path(candidate).exists():
            return candidate
    raise RuntimeError("swiftlr needs the Swift toolchain (swift) to build; set $SWIFT or add it to PATH")


class SwiftBuildExt(build_ext):
    def build_extension(self, ext: Extension) -> None:
        # SWIFTLR_SWIFTPM_SCRATCH lets builds for several CPythons share one
        # SwiftPM build directory: only the C shim (whose include path differs)
        # is compiled again, the Swift core is reused.
        shared = os.environ.get("SWIFTLR_SWIFTPM_SCRATCH")
        scratch = Path(shared).resolve() if shared else Path(self.build_temp).resolve() / "swiftpm"
        env = dict(os.environ, SWIFTLR_PYTHON_INCLUDE=sysconfig.get_paths()["include"])
        configuration = "debug" if self.debug else "release"
        command = [
            find_swift(),
            "build",
            "--package-path",
            str(ROOT),
            "--scratch-path",
            str(scratch),
            "-c",
            configuration,
            "--product",
            "_swiftlr",
            # Link the Swift runtime into the .so: the installed module needs no toolchain.
            "-Xswiftc",
            "-static-stdlib",
        ]
        extra = os.environ.get("SWIFTLR_SWIFT_FLAGS", "").split()
        subprocess.run(command + extra, check=True, env=env)
        built = scratch / configuration / "lib_swiftlr.so"
        target = Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built, target)
        target.chmod(0o755)
        if not self.debug and shutil.which("strip") and not os.environ.get("SWIFTLR_NO_STRIP"):
            subprocess.run(["strip", "--strip-unneeded", str(target)], check=True)


setup(
    ext_modules=[Extension("swiftlr._swiftlr", sources=[])],
    cmdclass={"build_ext": SwiftBuildExt},
)
