// `_swiftlr.sgd_step`: resolves every parameter, gradient and momentum buffer
// to memory through the buffer protocol, checks them, then runs one SGD step
// over all of them in Swift with the GIL released.
#include "sgd_entry.h"

#include <string.h>

// MARK: - Hyperparameters

static PyObject *str_grad, *str_data, *str_momentum_buffer, *str_slot_grad, *str_slot_data;
static PyObject *str_hyper[4];  // lr, momentum, dampening, weight_decay
static PyObject *str_nesterov, *str_maximize;
static const char *const hyper_names[4] = {"lr", "momentum", "dampening", "weight_decay"};

static int intern_strings(void) {
  if (str_momentum_buffer != NULL) return 0;
  PyObject **slots[] = {&str_hyper[0],  &str_hyper[1],  &str_hyper[2],       &str_hyper[3],
                        &str_nesterov,  &str_maximize,  &str_grad,           &str_data,
                        &str_slot_grad, &str_slot_data, &str_momentum_buffer};
  const char *names[] = {"lr",   "momentum", "dampening", "weight_decay", "nesterov",       "maximize",
                         "grad", "data",     "_grad",     "_data",        "momentum_buffer"};
  for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
    if (*slots[k] == NULL && (*slots[k] = PyUnicode_InternFromString(names[k])) == NULL) return -1;
  }
  return 0;
}

/// Reads one param group's hyperparameters, each converted once (see
/// `shim_read_options`).
static int read_options(PyObject *group, void *options) {
  swiftlr_sgd_group *g = options;
  int memorable = 1;
  double *slots[4] = {&g->lr, &g->momentum, &g->dampening, &g->weight_decay};
  for (int k = 0; k < 4; k++) {
    PyObject *value = shim_group_item(group, str_hyper[k]);
    if (value == NULL) return -1;
    int status = shim_optim_number(value, hyper_names[k], slots[k]);
    memorable &= shim_exact_number(value);
    Py_DECREF(value);
    if (status < 0) return -1;
  }
  PyObject *flags[2] = {str_nesterov, str_maximize};
  int truth[2];
  for (int k = 0; k < 2; k++) {
    PyObject *value = shim_group_item(group, flags[k]);
    if (value == NULL) return -1;
    truth[k] = PyObject_IsTrue(value);
    memorable &= shim_exact_flag(value);
    Py_DECREF(value);
    if (truth[k] < 0) return -1;
  }
  g->nesterov = truth[0];
  g->maximize = truth[1];
  return memorable;
}

// MARK: - The step

static void release_entry(void *entry) {
  sgd_entry *e = entry;
  for (int k = 0; k < 3; k++) {
    if (e->taken[k]) PyBuffer_Release(&e->views[k]);
    Py_CLEAR(e->weak[k]);
  }
  Py_CLEAR(e->param);
  Py_CLEAR(e->data);
  Py_CLEAR(e->grad);
  Py_CLEAR(e->buffer);
  Py_CLEAR(e->param_state);
}

/// Resolves one parameter to memory: data, grad (copied into the data's
/// layout when it differs), momentum buffer (a new zeroed one when fresh).
static int fill_entry(sgd_entry *e, PyObject *param, int momentum, PyObject *state, PyObject *zeros_like,
                      PyObject *relayout, Py_ssize_t i, PyTypeObject *fast) {
  if ((e->data = shim_param_attr(param, str_data, str_slot_data, fast)) == NULL) return -1;
  // Each array is pinned before its memory is taken: any later Python code
  // (a finalizer at an allocation, another thread) cannot resize it.
  if (shim_pin(e->data, &e->weak[0]) < 0) return -1;
  if (shim_take(e->data, &e->views[0], 1, "parameter", i) < 0) return -1;
  e->taken[0] = 1;
  if (shim_take_grad(&e->grad, &e->weak[1], &e->views[1], &e->taken[1], e->data, &e->views[0], relayout, i) < 0)
    return -1;
  if (!momentum) return 0;
  if (!PyDict_Check(state)) {
    PyErr_Format(PyExc_TypeError, "optimizer state must be a dict, got %.100s", Py_TYPE(state)->tp_name);
    return -1;
  }
  e->param_state = shim_param_state_of(state, param);
  if (e->param_state == NULL && PyErr_Occurred()) return -1;
  PyObject *buffer = e->param_state ? PyDict_GetItemWithError(e->param_state, str_momentum_buffer) : NULL;
  if (buffer == NULL && PyErr_Occurred()) return -1;
  if (buffer == NULL || buffer == Py_None) {
    // Zeroed, not empty: a buffer is never left holding uninitialized memory.
    e->fresh = 1;
    e->had_none = buffer == Py_None;
    if ((e->buffer = PyObject_CallOneArg(zeros_like, e->data)) == NULL) return -1;
  } else {
    e->buffer = Py_NewRef(buffer);
  }
  return shim_take_state(e->buffer, &e->weak[2], &e->views[2], &e->taken[2], &e->views[0],
                         "momentum buffer of parameter", i);
}

// sgd_step(param_groups, state, zeros_like, relayout, fma): one SGD step of
// every parameter with a gradient in every group, each `x + a*y` rounded once
// (fma true: torch's AVX2/AVX-512 kernels) or twice (its default kernels).
// Everything Python is read first,
// holding a strong reference to each object (user code can run during any
// read); new momentum buffers join `state` (undone if that fails); then the
// kernel runs without the GIL. A failed call changes nothing.
PyObject *shim_sgd_step(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
  PyObject *result = NULL;
  shim_step s;
  Py_ssize_t n = 0;

  if (nargs != 5) {
    PyErr_Format(PyExc_TypeError, "sgd_step() takes 5 arguments (%zd given)", nargs);
    return NULL;
  }
  PyObject *state = args[1], *zeros_like = args[2], *relayout = args[3];
  int fma = PyObject_IsTrue(args[4]);
  if (fma < 0) return NULL;
  if (intern_strings() < 0) return NULL;
  PyTypeObject *fast = shim_parameter_type();
  int begun = shim_step_begin(&s, args[0], sizeof(swiftlr_sgd_group), sizeof(sgd_entry), sizeof(swiftlr_sgd_tensor),
                              read_options);
  swiftlr_sgd_group *options = s.options;
  sgd_entry *entries = s.entries;
  swiftlr_sgd_tensor *tensors = s.tensors;
  if (begun < 0) goto done;
  for (Py_ssize_t g = 0; g < s.group_count; g++) options[g].fma = fma;
  for (Py_ssize_t g = 0; g < s.group_count; g++) {
    int momentum = options[g].momentum != 0;
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(s.params[g]); k++) {
      PyObject *param = PyTuple_GET_ITEM(s.params[g], k);
      PyObject *grad = shim_param_attr(param, str_grad, str_slot_grad, fast);
      if (grad == NULL) goto done;
      if (grad == Py_None) {
        Py_DECREF(grad);
        continue;
      }
      sgd_entry *e = &entries[n];
      memset(e, 0, sizeof *e);
      e->grad = grad;
      e->param = Py_NewRef(param);
      n++;
      if (fill_entry(e, param, momentum, state, zeros_like, relayout, n - 1, fast) < 0) goto done;
      tensors[n - 1] = (swiftlr_sgd_tensor){
          .param = e->views[0].buf,
          .grad = e->views[1].buf,
          .buffer = e->taken[2] ? e->views[2].buf : NULL,
          .count = (int64_t)(e->views[0].len / e->views[0].itemsize),
          .dtype = shim_buffer_dtype(&e->views[0]),
          .fresh_buffer = e->fresh,
          .group = g,
      };
    }
  }
  if (sgd_record_buffers(state, entries, n) < 0) goto done;
  swiftlr_message message;
  int32_t status;
  Py_BEGIN_ALLOW_THREADS status = swiftlr_sgd_step(tensors, n, options, s.group_count, &message);
  Py_END_ALLOW_THREADS if (status != SWIFTLR_OK) {
    shim_raise(status, &message);
    sgd_forget_buffers(state, entries, n);
    goto done;
  }
  result = Py_NewRef(Py_None);

done:
  shim_step_end(&s, n, sizeof(sgd_entry), release_entry);
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
  if (shim_take(args[0], &a, 1, "array", 0) < 0) goto done;
  have_a = 1;
  if (shim_take(args[1], &b, 0, "array", 1) < 0) goto done;
  have_b = 1;
  if (shim_buffer_dtype(&a) != shim_buffer_dtype(&b) || !shim_same_layout(&a, &b)) {
    PyErr_SetString(PyExc_ValueError, "axpy() needs two arrays of the same dtype, shape and order");
    goto done;
  }
  int dtype = shim_buffer_dtype(&a);
  Py_ssize_t count = a.len / a.itemsize;
  Py_BEGIN_ALLOW_THREADS swiftlr_axpy(a.buf, b.buf, count, dtype, scale);
  Py_END_ALLOW_THREADS result = Py_NewRef(Py_None);
done:
  if (have_a) PyBuffer_Release(&a);
  if (have_b) PyBuffer_Release(&b);
  return result;
}

// torch_capability() -> str: the CPU capability torch would pick in this
// process ("default", "avx2", "avx512"), which decides SGD's arithmetic.
PyObject *shim_torch_capability(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(ignored)) {
  static const char *const names[] = {"default", "avx2", "avx512"};
  int32_t capability = swiftlr_torch_capability();
  return PyUnicode_FromString(names[capability >= 0 && capability <= 2 ? capability : 0]);
}

// sgd_kernels() -> str: the instruction set the SGD kernels were compiled for
// on this CPU ("portable", "avx2", "avx512"), for the benchmarks' report.
PyObject *shim_sgd_kernels(PyObject *Py_UNUSED(module), PyObject *Py_UNUSED(ignored)) {
  return PyUnicode_FromString(swiftlr_kernels_name());
}
