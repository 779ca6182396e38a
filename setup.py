"""The one thing pyproject.toml cannot say: the top-level ``resources/`` folder (the icon, the
desktop entry, the AppStream metainfo) ships inside the package as ``ereg_desktop/resources``.
Everything else about the package is in pyproject.toml."""

from setuptools import find_packages, setup

setup(
    packages=[
        *find_packages(include=["ereg_desktop*"]),
        "ereg_desktop.resources",
        "ereg_desktop.resources.icons",
    ],
    package_dir={"ereg_desktop.resources": "resources"},
    package_data={
        "ereg_desktop.demo": ["data/*"],  # the embedded demo's app, helper commands, model
        "ereg_desktop.resources": ["*.desktop", "*.metainfo.xml"],
        "ereg_desktop.resources.icons": ["*.svg", "*.png", "*.ico", "*.icns"],
    },
)
