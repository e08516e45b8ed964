"""Installs the deep_bottleneck package (``pip install -e .``)."""

from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent


def requirements(name: str) -> list[str]:
    lines = (HERE / "requirements" / name).read_text().splitlines()
    return [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip() and not line.startswith("-r")]


setup(
    name="deep-bottleneck",
    version="0.1.0",
    description="Information-plane experiments on neural networks: train, record activations, estimate mutual information.",
    long_description=(HERE / "README.md").read_text(),
    long_description_content_type="text/markdown",
    license="MIT",
    python_requires=">=3.10",
    packages=find_packages(include=["deep_bottleneck", "deep_bottleneck.*"]),
    package_data={"deep_bottleneck": ["default_config.json", "datasets/data/*"]},
    install_requires=requirements("base.txt"),
    extras_require={"dev": requirements("dev.txt")},
)
