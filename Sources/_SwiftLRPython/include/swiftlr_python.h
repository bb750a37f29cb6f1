// The CPython extension module `swiftlr._swiftlr`: glue only, no math.
#ifndef SWIFTLR_PYTHON_H
#define SWIFTLR_PYTHON_H

#include <Python.h>

PyMODINIT_FUNC PyInit__swiftlr(void);

#endif  // SWIFTLR_PYTHON_H
