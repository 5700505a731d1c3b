"""nnU-Net v2 baselines: conversion (:mod:`.convert`, :mod:`.labels`), planning, preprocessing,
training and export (:mod:`.train`), inference (:mod:`.predict`) and the CLI
``python -m baselines.nnunet {train,predict,container}``.

Needs the separate environment of ``baselines/requirements-nnunet.txt`` (``make nnunet-env``
creates ``.venv-nnunet``); importing this package alone needs only NumPy and SimpleITK.
"""
