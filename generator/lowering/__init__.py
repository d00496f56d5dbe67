"""Lowering: the IR turned into Python source fragments that the templates arrange."""

from generator.lowering.values import Code, ValueLowering, negate, wrap_text
from generator.lowering.workflows import ModuleCode, lower_module

__all__ = ["Code", "ModuleCode", "ValueLowering", "lower_module", "negate", "wrap_text"]
