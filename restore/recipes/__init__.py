"""Task recipes: one object per task (operator, starting point, schedule, fast-path
settings, default prior), shared by the library, the benchmarks and the tuning scripts.

Change a setting with ``dataclasses.replace(INPAINT, schedule=...)``; run one with
``DENOISE.restore(image, sigma, prior, ...)`` (the library's call, the prior resolved).
A new task is one new recipe module and one line in :data:`RECIPES`.
"""
from restore.recipes.deblur import BlurData, DeblurRecipe
from restore.recipes.denoise import DenoiseRecipe
from restore.recipes.inpaint import InpaintRecipe
from restore.recipes.base import Recipe
from restore.recipes.upscale import UpscaleData, UpscaleRecipe
from restore.solvers.epll import FastSettings

DENOISE = DenoiseRecipe()
DEBLUR = DeblurRecipe()
INPAINT = InpaintRecipe()
UPSCALE = UpscaleRecipe()
#: Task name -> its recipe.
RECIPES = {recipe.name: recipe for recipe in (DENOISE, DEBLUR, INPAINT, UPSCALE)}

__all__ = ["BlurData", "DEBLUR", "DENOISE", "DeblurRecipe", "DenoiseRecipe", "FastSettings",
           "INPAINT", "InpaintRecipe", "RECIPES", "Recipe", "UPSCALE",
           "UpscaleData", "UpscaleRecipe"]
