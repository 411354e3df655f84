"""The Word writer: docxtpl's reference path and the compiled fast path, the inspection of
every package from outside, column widths, trend charts and the fonts a document asks for."""
