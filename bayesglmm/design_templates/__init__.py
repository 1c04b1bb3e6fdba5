"""Model templates for classic designs, one TOML file each.

Installed as the package-data package ``bayesglmm.design_templates``; read them with
``bg.templates.list()`` and ``bg.templates.show(name)``.
"""
