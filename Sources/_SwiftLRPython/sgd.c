// `_swiftlr.sgd_step`: resolves every parameter, gradient and momentum buffer
// to memory through the buffer protocol, checks them, then runs one SGD step
// over all of them in Swift with the GIL released.
#include "shim.h"

#include <string.h>

/// What a `Py_buffer` holds: float32, float64, or something we refuse.
static int buffer_dtype(const Py_buffer *view) {
  const char *f = view->format == NULL ? "B" : view->format;
  if (*f == '@' || *f == '=' || *f == '<') f++;
  if (strcmp(f, "f") == 0 && view->itemsize == 4) return SWIFTLR_FLOAT32;
  if (strcmp(f, "d") == 0 && view->itemsize == 8) return SWIFTLR_FLOAT64;
  return -1;
}

static int same_layout(const Py_buffer *a, const Py_buffer *b) {
  if (a->ndim != b->ndim || a->itemsize != b->itemsize) return 0;
  for (int d = 0; d < a->ndim; d++) {
    if (a->shape[d] != b->shape[d]) return 0;
    // Strides only matter along dimensions longer than one.
    if (a->shape[d] > 1 && a->strides[d] != b->strides[d]) return 0;
  }
  return 1;
}

static void describe_shape(const Py_buffer *v, char *out, size_t size) {
  size_t used = (size_t)snprintf(out, size, "(");
  for (int d = 0; d < v->ndim && used < size; d++) {
    used += (size_t)snprintf(out + used, size - used, d + 1 < v->ndim || v->ndim == 1 ? "%zd," : "%zd", v->shape[d]);
  }
  if (used < size) snprintf(out + used, size - used, ")");
}

/// Takes a writable (or read-only) contiguous float buffer of `object`.
static int take(PyObject *object, Py_buffer *view, int writable, const char *role, Py_ssize_t index) {
  int flags = PyBUF_RECORDS_RO | (writable ? PyBUF_WRITABLE : 0);
  if (PyObject_GetBuffer(object, view, flags) < 0) {
    // Say which array failed and why (numpy: "buffer source array is read-only", ...).
    int not_a_buffer = PyErr_ExceptionMatches(PyExc_TypeError);
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_Format(not_a_buffer ? PyExc_TypeError : PyExc_ValueError,
                 "%s %zd must be a %sfloat32 or float64 array, got %.100s: %S", role, index,
                 writable ? "writable " : "", Py_TYPE(object)->tp_name, value ? value : Py_None);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return -1;
  }
  if (buffer_dtype(view) < 0) {
    PyErr_Format(PyExc_TypeError, "%s %zd must be float32 or float64, got format '%s'", role, index,
                 view->format ? view->format : "B");
    PyBuffer_Release(view);
    return -1;
  }
  if (!PyBuffer_IsContiguous(view, 'A')) {
    PyErr_Format(PyExc_ValueError, "%s %zd is not contiguous; pass a C- or Fortran-ordered array", role, index);
    PyBuffer_Release(view);
    return -1;
  }
  return 0;
}

/// Reads a group tuple (lr, momentum, dampening, weight_decay, nesterov, maximize).
static int read_group(PyObject *tuple, swiftlr_sgd_group *g) {
  if (!PyTuple_Check(tuple) || PyTuple_GET_SIZE(tuple) != 6) {
    PyErr_SetString(PyExc_TypeError, "each group must be a 6-tuple");
    return -1;
  }
  double *slots[4] = {&g->lr, &g->momentum, &g->dampening, &g->weight_decay};
  for (int k = 0; k < 4; k++) {
    *slots[k] = PyFloat_AsDouble(PyTuple_GET_ITEM(tuple, k));
    if (*slots[k] == -1.0 && PyErr_Occurred()) return -1;
  }
  int nesterov = PyObject_IsTrue(PyTuple_GET_ITEM(tuple, 4));
  int maximize = PyObject_IsTrue(PyTuple_GET_ITEM(tuple, 5));
  if (nesterov < 0 || maximize < 0) return -1;
  g->nesterov = nesterov;
  g->maximize = maximize;
  return 0;
}

// sgd_step(tensors, groups): tensors is a list of
// (param, grad, buffer or None, fresh_buffer, group_index).
PyObject *shim_sgd_step(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
  PyObject *result = NULL, *tensor_list = NULL, *group_list = NULL;
  Py_buffer *views = NULL;  // 3 per tensor: param, grad, buffer
  char *taken = NULL;       // which views are held
  swiftlr_sgd_tensor *tensors = NULL;
  swiftlr_sgd_group *groups = NULL;
  Py_ssize_t n = 0, group_count = 0;

  if (nargs != 2) {
    PyErr_Format(PyExc_TypeError, "sgd_step() takes 2 arguments (%zd given)", nargs);
    goto done;
  }
  tensor_list = PySequence_Fast(args[0], "tensors must be a sequence");
  group_list = PySequence_Fast(args[1], "groups must be a sequence");
  if (tensor_list == NULL || group_list == NULL) goto done;
  n = PySequence_Fast_GET_SIZE(tensor_list);
  group_count = PySequence_Fast_GET_SIZE(group_list);

  groups = PyMem_New(swiftlr_sgd_group, group_count > 0 ? group_count : 1);
  tensors = PyMem_New(swiftlr_sgd_tensor, n > 0 ? n : 1);
  views = PyMem_New(Py_buffer, 3 * (n > 0 ? n : 1));
  taken = PyMem_Calloc(3 * (size_t)(n > 0 ? n : 1), 1);
  if (groups == NULL || tensors == NULL || views == NULL || taken == NULL) {
    PyErr_NoMemory();
    goto done;
  }
  for (Py_ssize_t g = 0; g < group_count; g++) {
    if (read_group(PySequence_Fast_GET_ITEM(group_list, g), &groups[g]) < 0) goto done;
  }

  for (Py_ssize_t i = 0; i < n; i++) {
    PyObject *entry = PySequence_Fast_GET_ITEM(tensor_list, i);
    if (!PyTuple_Check(entry) || PyTuple_GET_SIZE(entry) != 5) {
      PyErr_SetString(PyExc_TypeError, "each tensor must be a 5-tuple");
      goto done;
    }
    Py_buffer *param = &views[3 * i], *grad = &views[3 * i + 1], *buf = &views[3 * i + 2];
    if (take(PyTuple_GET_ITEM(entry, 0), param, 1, "parameter", i) < 0) goto done;
    taken[3 * i] = 1;
    if (take(PyTuple_GET_ITEM(entry, 1), grad, 0, "gradient of parameter", i) < 0) goto done;
    taken[3 * i + 1] = 1;
    char ps[128], gs[128];
    if (buffer_dtype(param) != buffer_dtype(grad)) {
      PyErr_Format(PyExc_TypeError, "gradient of parameter %zd has format '%s', the parameter '%s'", i,
                   grad->format, param->format);
      goto done;
    }
    if (!same_layout(param, grad)) {
      describe_shape(param, ps, sizeof ps);
      describe_shape(grad, gs, sizeof gs);
      PyErr_Format(PyExc_ValueError, "gradient of parameter %zd has shape %s (or memory order) unlike the parameter's %s",
                   i, gs, ps);
      goto done;
    }
    PyObject *buffer_object = PyTuple_GET_ITEM(entry, 2);
    if (buffer_object != Py_None) {
      if (take(buffer_object, buf, 1, "momentum buffer of parameter", i) < 0) goto done;
      taken[3 * i + 2] = 1;
      if (buffer_dtype(buf) != buffer_dtype(param) || !same_layout(param, buf)) {
        describe_shape(param, ps, sizeof ps);
        describe_shape(buf, gs, sizeof gs);
        PyErr_Format(PyExc_ValueError,
                     "momentum buffer of parameter %zd (shape %s, format '%s') no longer matches the parameter "
                     "(shape %s, format '%s'); was the parameter resized or retyped?",
                     i, gs, buf->format, ps, param->format);
        goto done;
      }
    }
    int fresh = PyObject_IsTrue(PyTuple_GET_ITEM(entry, 3));
    if (fresh < 0) goto done;
    long long group = PyLong_AsLongLong(PyTuple_GET_ITEM(entry, 4));
    if (group == -1 && PyErr_Occurred()) goto done;
    tensors[i] = (swiftlr_sgd_tensor){
        .param = param->buf,
        .grad = grad->buf,
        .buffer = taken[3 * i + 2] ? buf->buf : NULL,
        .count = (int64_t)(param->len / param->itemsize),
        .dtype = buffer_dtype(param),
        .fresh_buffer = fresh,
        .group = group,
    };
  }

  swiftlr_message message;
  int32_t status;
  Py_BEGIN_ALLOW_THREADS
  status = swiftlr_sgd_step(tensors, n, groups, group_count, &message);
  Py_END_ALLOW_THREADS
  if (status != SWIFTLR_OK) {
    shim_raise(status, &message);
    goto done;
  }
  result = Py_NewRef(Py_None);

done:
  if (taken != NULL) {
    for (Py_ssize_t k = 0; k < 3 * n; k++) {
      if (taken[k]) PyBuffer_Release(&views[k]);
    }
  }
  PyMem_Free(taken);
  PyMem_Free(views);
  PyMem_Free(tensors);
  PyMem_Free(groups);
  Py_XDECREF(tensor_list);
  Py_XDECREF(group_list);
  return result;
}

// axpy(a, b, scale): a += scale * b in place, over all cores, without the GIL.
PyObject *shim_axpy(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
  PyObject *result = NULL;
  Py_buffer a, b;
  int have_a = 0, have_b = 0;
  if (nargs != 3) {
    PyErr_Format(PyExc_TypeError, "axpy() takes 3 arguments (%zd given)", nargs);
    goto done;
  }
  double scale = PyFloat_AsDouble(args[2]);
  if (scale == -1.0 && PyErr_Occurred()) goto done;
  if (take(args[0], &a, 1, "array", 0) < 0) goto done;
  have_a = 1;
  if (take(args[1], &b, 0, "array", 1) < 0) goto done;
  have_b = 1;
  if (buffer_dtype(&a) != buffer_dtype(&b) || !same_layout(&a, &b)) {
    PyErr_SetString(PyExc_ValueError, "axpy() needs two arrays of the same dtype, shape and order");
    goto done;
  }
  int dtype = buffer_dtype(&a);
  Py_ssize_t count = a.len / a.itemsize;
  Py_BEGIN_ALLOW_THREADS
  swiftlr_axpy(a.buf, b.buf, count, dtype, scale);
  Py_END_ALLOW_THREADS
  result = Py_NewRef(Py_None);
done:
  if (have_a) PyBuffer_Release(&a);
  if (have_b) PyBuffer_Release(&b);
  return result;
}
