// `_swiftlr.clip_grad_norm` and `_swiftlr.clip_grad_value`: resolve every
// parameter's gradient to memory through the buffer protocol (owned
// references only), then clip them all in one Swift call without the GIL.
#include "shim.h"

#include <string.h>

static PyObject *str_grad, *str_slot_grad;

/// One gradient: the object holding its memory, a weak reference pinning it
/// (numpy then refuses to resize it), and its buffer.
typedef struct {
  PyObject *grad, *weak;
  Py_buffer view;
  char taken;
} clip_entry;

/// The gradients of the parameters in `parameters`, in order, skipping those
/// whose `.grad` is None. A gradient without the buffer protocol (a torch
/// tensor) is replaced by `as_array(grad)`, an array over its memory.
typedef struct {
  PyObject *params;  // a tuple of our own: user code may change the caller's list
  clip_entry *entries;
  swiftlr_clip_tensor *tensors;
  Py_ssize_t count;
} clip_grads;

static void clip_grads_release(clip_grads *c) {
  for (Py_ssize_t i = 0; i < c->count; i++) {
    clip_entry *e = &c->entries[i];
    if (e->taken) PyBuffer_Release(&e->view);
    Py_XDECREF(e->weak);
    Py_XDECREF(e->grad);
  }
  PyMem_Free(c->entries);
  PyMem_Free(c->tensors);
  Py_XDECREF(c->params);
}

static int clip_grads_take(clip_grads *c, PyObject *parameters, PyObject *as_array) {
  memset(c, 0, sizeof *c);
  if (str_grad == NULL && (str_grad = PyUnicode_InternFromString("grad")) == NULL) return -1;
  if (str_slot_grad == NULL && (str_slot_grad = PyUnicode_InternFromString("_grad")) == NULL) return -1;
  if ((c->params = PySequence_Tuple(parameters)) == NULL) return -1;
  Py_ssize_t n = PyTuple_GET_SIZE(c->params);
  c->entries = PyMem_Calloc((size_t)n + 1, sizeof(clip_entry));
  c->tensors = PyMem_Calloc((size_t)n + 1, sizeof(swiftlr_clip_tensor));
  if (c->entries == NULL || c->tensors == NULL) {
    PyErr_NoMemory();
    return -1;
  }
  PyTypeObject *fast = shim_parameter_type();
  for (Py_ssize_t k = 0; k < n; k++) {
    PyObject *grad = shim_param_attr(PyTuple_GET_ITEM(c->params, k), str_grad, str_slot_grad, fast);
    if (grad == NULL) return -1;
    if (grad == Py_None) {
      Py_DECREF(grad);
      continue;
    }
    clip_entry *e = &c->entries[c->count++];
    e->grad = grad;
    if (!PyObject_CheckBuffer(grad)) {
      PyObject *array = PyObject_CallOneArg(as_array, grad);
      if (array == NULL) return -1;
      Py_SETREF(e->grad, array);
    }
    if (shim_pin(e->grad, &e->weak) < 0) return -1;
    if (shim_take(e->grad, &e->view, 1, "gradient of parameter", k) < 0) return -1;
    e->taken = 1;
    c->tensors[c->count - 1] = (swiftlr_clip_tensor){
        .grad = e->view.buf,
        .count = (int64_t)(e->view.len / e->view.itemsize),
        .dtype = shim_buffer_dtype(&e->view),
    };
  }
  return 0;
}

// clip_grad_norm(parameters, max_norm, norm_type, error_if_nonfinite, as_array)
// -> (total, is_float64): torch's total norm of the gradients, then (unless
// max_norm is None: only the norm) every gradient scaled by torch's clamped
// coefficient. A failed call changes nothing.
PyObject *shim_clip_grad_norm(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
  if (!shim_arity("clip_grad_norm", nargs, 5)) return NULL;
  double max_norm = 0.0, norm_type;
  int clip = args[1] != Py_None;
  if (clip && (max_norm = PyFloat_AsDouble(args[1])) == -1.0 && PyErr_Occurred()) return NULL;
  if ((norm_type = PyFloat_AsDouble(args[2])) == -1.0 && PyErr_Occurred()) return NULL;
  int error_if_nonfinite = PyObject_IsTrue(args[3]);
  if (error_if_nonfinite < 0) return NULL;

  PyObject *result = NULL;
  clip_grads c;
  if (clip_grads_take(&c, args[0], args[4]) < 0) goto fail;
  double total = 0.0;
  int32_t dtype = SWIFTLR_FLOAT32, status;
  swiftlr_message message;
  Py_BEGIN_ALLOW_THREADS status = swiftlr_clip_grad_norm(c.tensors, c.count, max_norm, norm_type, error_if_nonfinite,
                                                         clip, swiftlr_torch_capability(), &total, &dtype, &message);
  Py_END_ALLOW_THREADS if (status != SWIFTLR_OK) {
    shim_raise(status, &message);
    goto fail;
  }
  result = Py_BuildValue("(dO)", total, dtype == SWIFTLR_FLOAT64 ? Py_True : Py_False);
fail:
  clip_grads_release(&c);
  return result;
}

// clip_grad_value(parameters, clip_value, as_array) -> None: every gradient
// clamped into [-clip_value, clip_value]. A failed call changes nothing.
PyObject *shim_clip_grad_value(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
  if (!shim_arity("clip_grad_value", nargs, 3)) return NULL;
  double clip_value = PyFloat_AsDouble(args[1]);
  if (clip_value == -1.0 && PyErr_Occurred()) return NULL;

  PyObject *result = NULL;
  clip_grads c;
  if (clip_grads_take(&c, args[0], args[2]) < 0) goto fail;
  int32_t status;
  swiftlr_message message;
  Py_BEGIN_ALLOW_THREADS status = swiftlr_clip_grad_value(c.tensors, c.count, clip_value, &message);
  Py_END_ALLOW_THREADS if (status != SWIFTLR_OK) {
    shim_raise(status, &message);
    goto fail;
  }
  result = Py_NewRef(Py_None);
fail:
  clip_grads_release(&c);
  return result;
}
