"""Build the one C module; everything else is in pyproject.toml."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "ptpoll.linux._spawn",
            ["src/ptpoll/linux/_spawn.c"],
            extra_compile_args=["-Wall", "-Wextra", "-Werror=implicit"],
        )
    ]
)
