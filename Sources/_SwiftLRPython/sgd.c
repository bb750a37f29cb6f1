// `_swiftlr.sgd_step`: resolves every parameter, gradient and momentum buffer
// to memory through the buffer protocol, checks them, then runs one SGD step
// over all of them in Swift with the GIL released.
#include "shim.h"

#include <string.h>

// MARK: - Hyperparameters

#if PY_VERSION_HEX < 0x030D0000
// `getattr(o, name, None)` without raising AttributeError (3.13's name).
#define PyObject_GetOptionalAttr _PyObject_LookupAttr
#endif

static PyObject *str_params, *str_grad, *str_data, *str_momentum_buffer, *str_ndim, *str_slot_grad, *str_slot_data;
static PyObject *str_hyper[4];  // lr, momentum, dampening, weight_decay
static PyObject *str_nesterov, *str_maximize;
static const char *const hyper_names[4] = {"lr", "momentum", "dampening", "weight_decay"};

static int intern_strings(void) {
  if (str_params != NULL) return 0;
  PyObject **slots[] = {&str_hyper[0], &str_hyper[1],  &str_hyper[2], &str_hyper[3],        &str_nesterov,
                        &str_maximize, &str_grad,      &str_data,     &str_momentum_buffer, &str_ndim,
                        &str_params,   &str_slot_grad, &str_slot_data};
  const char *names[] = {"lr",   "momentum",        "dampening", "weight_decay", "nesterov", "maximize", "grad",
                         "data", "momentum_buffer", "ndim",      "params",       "_grad",    "_data"};
  for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
    if (*slots[k] == NULL && (*slots[k] = PyUnicode_InternFromString(names[k])) == NULL) return -1;
  }
  return 0;
}

// MARK: - Parameters

/// `swiftlr.Parameter`, looked up once (NULL if it cannot be imported: every
/// parameter then takes the general path).
static PyTypeObject *parameter_type(void) {
  static PyObject *type = NULL;
  static int looked_up = 0;
  if (!looked_up) {
    looked_up = 1;
    PyObject *module = PyImport_ImportModule("swiftlr._parameter");
    if (module != NULL) {
      type = PyObject_GetAttrString(module, "Parameter");
      Py_DECREF(module);
    }
    if (type != NULL && !PyType_Check(type)) Py_CLEAR(type);
    PyErr_Clear();
  }
  return (PyTypeObject *)type;
}

/// `param.data` or `param.grad` (`name`), a new reference. swiftlr.Parameter's
/// are properties that return the slots `_data` and `_grad`: for that exact
/// type the slot is read (a member descriptor, no Python frame per parameter,
/// a third of a 2,000-parameter step); subclasses, which may override the
/// properties, and other objects read the attribute.
static PyObject *param_attr(PyObject *param, PyObject *name, PyObject *slot, PyTypeObject *fast) {
  return PyObject_GetAttr(param, fast != NULL && Py_TYPE(param) == fast ? slot : name);
}

/// The one conversion of an SGD hyperparameter to the double the kernel uses:
/// what torch's SGD accepts (Python ints and floats, numpy scalars, 0-d arrays
/// and 0-d tensors of any float dtype), read as a float. Every decision
/// (momentum zero or not) is made on this double, so no layer can disagree.
static int sgd_number(PyObject *value, const char *name, double *out) {
  if (PyFloat_CheckExact(value)) {
    *out = PyFloat_AS_DOUBLE(value);
    return 0;
  }
  if (PyLong_CheckExact(value)) {
    *out = PyLong_AsDouble(value);
    return *out == -1.0 && PyErr_Occurred() ? -1 : 0;
  }
  if (PyBool_Check(value) || PyComplex_Check(value) || PyUnicode_Check(value) || PyBytes_Check(value) ||
      PyByteArray_Check(value) || !PyNumber_Check(value)) {
    PyErr_Format(PyExc_TypeError, "%s must be a number, got %.100s", name, Py_TYPE(value)->tp_name);
    return -1;
  }
  // Arrays and tensors: 0-d only (a 1-element array is not a number to numpy).
  PyObject *ndim = NULL;
  if (PyObject_GetOptionalAttr(value, str_ndim, &ndim) < 0) return -1;
  if (ndim != NULL) {
    long dims = PyLong_Check(ndim) ? PyLong_AsLong(ndim) : 0;
    Py_DECREF(ndim);
    if (dims == -1 && PyErr_Occurred()) return -1;
    if (dims != 0) {
      PyErr_Format(PyExc_TypeError, "%s must be a number or a 0-d array or tensor, got %.100s with %ld dimensions",
                   name, Py_TYPE(value)->tp_name, dims);
      return -1;
    }
  }
  PyObject *number = PyNumber_Float(value);
  if (number == NULL) return -1;
  *out = PyFloat_AS_DOUBLE(number);
  Py_DECREF(number);
  return 0;
}

// sgd_number(value, name) -> float: the conversion the step uses, for the
// optimizer's own checks.
PyObject *shim_sgd_number(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
  if (nargs != 2 || !PyUnicode_Check(args[1])) {
    PyErr_SetString(PyExc_TypeError, "sgd_number(value, name: str)");
    return NULL;
  }
  if (intern_strings() < 0) return NULL;
  const char *name = PyUnicode_AsUTF8(args[1]);
  if (name == NULL) return NULL;
  double value;
  if (sgd_number(args[0], name, &value) < 0) return NULL;
  return PyFloat_FromDouble(value);
}

/// `group[key]` as a new reference (KeyError when missing, as in PyTorch).
static PyObject *group_item(PyObject *group, PyObject *key) {
  if (PyDict_CheckExact(group)) {
    PyObject *item = PyDict_GetItemWithError(group, key);
    if (item == NULL && !PyErr_Occurred()) PyErr_SetObject(PyExc_KeyError, key);
    return Py_XNewRef(item);
  }
  return PyObject_GetItem(group, key);
}

/// Reads one param group: its hyperparameters, converted once, and a tuple of
/// its params (a new reference in *params).
static int read_group(PyObject *group, swiftlr_sgd_group *g, PyObject **params) {
  double *slots[4] = {&g->lr, &g->momentum, &g->dampening, &g->weight_decay};
  for (int k = 0; k < 4; k++) {
    PyObject *value = group_item(group, str_hyper[k]);
    if (value == NULL) return -1;
    int status = sgd_number(value, hyper_names[k], slots[k]);
    Py_DECREF(value);
    if (status < 0) return -1;
  }
  PyObject *flags[2] = {str_nesterov, str_maximize};
  int truth[2];
  for (int k = 0; k < 2; k++) {
    PyObject *value = group_item(group, flags[k]);
    if (value == NULL) return -1;
    truth[k] = PyObject_IsTrue(value);
    Py_DECREF(value);
    if (truth[k] < 0) return -1;
  }
  g->nesterov = truth[0];
  g->maximize = truth[1];
  PyObject *list = group_item(group, str_params);
  if (list == NULL) return -1;
  *params = PySequence_Tuple(list);
  Py_DECREF(list);
  return *params == NULL ? -1 : 0;
}

// MARK: - The step

/// One parameter with a gradient: strong references to every object it
/// reads and the buffers it holds, all released by `release_entry`.
typedef struct {
  PyObject *param, *data, *grad, *buffer, *param_state;
  PyObject *weak[3];   // weak references that stop numpy resizing the arrays
  Py_buffer views[3];  // data, grad, buffer
  char taken[3];
  char fresh;
} sgd_entry;

static void release_entry(sgd_entry *e) {
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

/// numpy refuses to resize an array someone holds a weak reference to, even
/// with `refcheck=False`: hold one on each array while the kernel runs, so
/// another thread cannot free the memory under it. Objects without weak
/// references (bytearray, array.array) refuse resizing while a buffer is held.
static int pin(PyObject *object, PyObject **weak) {
  if (!PyType_SUPPORTS_WEAKREFS(Py_TYPE(object))) return 0;
  *weak = PyWeakref_NewRef(object, NULL);
  return *weak == NULL ? -1 : 0;
}

/// The momentum state of `param`, `state[param]`, as a new reference, or
/// NULL without an exception when there is none yet (it is made only once the
/// step has succeeded, so that a failed step leaves `state` as it was).
static PyObject *param_state_of(PyObject *state, PyObject *param) {
  PyObject *entry = PyDict_Check(state) ? Py_XNewRef(PyDict_GetItemWithError(state, param)) : NULL;
  if (entry == NULL) return NULL;
  if (!PyDict_Check(entry)) {
    PyErr_Format(PyExc_TypeError, "optimizer state of a parameter must be a dict, got %.100s", Py_TYPE(entry)->tp_name);
    Py_DECREF(entry);
    return NULL;
  }
  return entry;
}

/// Records a new momentum buffer: `state.setdefault(param, {})["momentum_buffer"] = buffer`.
static int record_buffer(PyObject *state, PyObject *param, PyObject **param_state, PyObject *buffer) {
  if (*param_state == NULL) {
    if ((*param_state = PyDict_New()) == NULL) return -1;
    if (PyObject_SetItem(state, param, *param_state) < 0) return -1;
  }
  return PyDict_SetItem(*param_state, str_momentum_buffer, buffer);
}

/// Resolves one parameter to memory: data, grad (copied into the data's
/// layout when it differs), momentum buffer (a new zeroed one when fresh).
static int fill_entry(sgd_entry *e, PyObject *param, int momentum, PyObject *state, PyObject *zeros_like,
                      PyObject *relayout, Py_ssize_t i, PyTypeObject *fast) {
  if ((e->data = param_attr(param, str_data, str_slot_data, fast)) == NULL) return -1;
  // Each array is pinned before its memory is taken: any later Python code
  // (a finalizer at an allocation, another thread) cannot resize it.
  if (pin(e->data, &e->weak[0]) < 0 || pin(e->grad, &e->weak[1]) < 0) return -1;
  if (shim_take(e->data, &e->views[0], 1, "parameter", i) < 0) return -1;
  e->taken[0] = 1;
  if (shim_take_strided(e->grad, &e->views[1], 0, 0, "gradient of parameter", i) < 0) return -1;
  e->taken[1] = 1;
  Py_buffer *param_view = &e->views[0], *grad_view = &e->views[1];
  if (shim_buffer_dtype(param_view) != shim_buffer_dtype(grad_view)) {
    PyErr_Format(PyExc_TypeError, "gradient of parameter %zd has format '%s', the parameter '%s'", i, grad_view->format,
                 param_view->format);
    return -1;
  }
  char ps[128], gs[128];
  if (!shim_same_layout(param_view, grad_view) || !PyBuffer_IsContiguous(grad_view, 'A')) {
    int same_shape = param_view->ndim == grad_view->ndim;
    for (int d = 0; same_shape && d < param_view->ndim; d++) same_shape = param_view->shape[d] == grad_view->shape[d];
    if (same_shape) {
      // PyTorch accepts a gradient in any layout: copy it into the parameter's.
      PyObject *copy = PyObject_CallFunctionObjArgs(relayout, e->data, e->grad, NULL);
      if (copy == NULL) return -1;
      PyBuffer_Release(grad_view);
      e->taken[1] = 0;
      Py_SETREF(e->grad, copy);
      Py_CLEAR(e->weak[1]);
      if (pin(e->grad, &e->weak[1]) < 0) return -1;
      if (shim_take(e->grad, grad_view, 0, "gradient of parameter", i) < 0) return -1;
      e->taken[1] = 1;
    }
    if (!shim_same_layout(param_view, grad_view) || shim_buffer_dtype(param_view) != shim_buffer_dtype(grad_view) ||
        !PyBuffer_IsContiguous(grad_view, 'A')) {
      shim_describe_shape(param_view, ps, sizeof ps);
      shim_describe_shape(grad_view, gs, sizeof gs);
      PyErr_Format(PyExc_ValueError,
                   "gradient of parameter %zd has shape %s (or memory order) unlike the parameter's %s", i, gs, ps);
      return -1;
    }
  }
  if (!momentum) return 0;
  if (!PyDict_Check(state)) {
    PyErr_Format(PyExc_TypeError, "optimizer state must be a dict, got %.100s", Py_TYPE(state)->tp_name);
    return -1;
  }
  e->param_state = param_state_of(state, param);
  if (e->param_state == NULL && PyErr_Occurred()) return -1;
  PyObject *buffer = e->param_state ? PyDict_GetItemWithError(e->param_state, str_momentum_buffer) : NULL;
  if (buffer == NULL && PyErr_Occurred()) return -1;
  if (buffer == NULL || buffer == Py_None) {
    // Zeroed, not empty: a buffer is never left holding uninitialized memory.
    e->fresh = 1;
    if ((e->buffer = PyObject_CallOneArg(zeros_like, e->data)) == NULL) return -1;
  } else {
    e->buffer = Py_NewRef(buffer);
  }
  Py_buffer *buf = &e->views[2];
  if (pin(e->buffer, &e->weak[2]) < 0) return -1;
  if (shim_take(e->buffer, buf, 1, "momentum buffer of parameter", i) < 0) return -1;
  e->taken[2] = 1;
  if (shim_buffer_dtype(buf) != shim_buffer_dtype(param_view) || !shim_same_layout(param_view, buf)) {
    shim_describe_shape(param_view, ps, sizeof ps);
    shim_describe_shape(buf, gs, sizeof gs);
    PyErr_Format(PyExc_ValueError,
                 "momentum buffer of parameter %zd (shape %s, format '%s') no longer matches the parameter "
                 "(shape %s, format '%s'); was the parameter resized or retyped?",
                 i, gs, buf->format, ps, param_view->format);
    return -1;
  }
  return 0;
}

enum { STACK_GROUPS = 8, STACK_ENTRIES = 16 };

// sgd_step(param_groups, state, zeros_like, relayout, fma): one SGD step of
// every parameter with a gradient in every group, each `x + a*y` rounded once
// (fma true: torch's AVX2/AVX-512 kernels) or twice (its default kernels).
// Everything Python is read first,
// holding a strong reference to each object (user code can run during any
// read); then the kernel runs without the GIL; new momentum buffers join
// `state` only after it. A failed call changes nothing.
PyObject *shim_sgd_step(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs) {
  PyObject *result = NULL, *groups = NULL;
  PyObject *stack_params[STACK_GROUPS], **params = stack_params;  // a tuple per group
  swiftlr_sgd_group stack_options[STACK_GROUPS], *options = stack_options;
  sgd_entry stack_entries[STACK_ENTRIES], *entries = stack_entries;
  swiftlr_sgd_tensor stack_tensors[STACK_ENTRIES], *tensors = stack_tensors;
  Py_ssize_t group_count = 0, groups_read = 0, capacity = 0, n = 0;

  if (nargs != 5) {
    PyErr_Format(PyExc_TypeError, "sgd_step() takes 5 arguments (%zd given)", nargs);
    return NULL;
  }
  PyObject *state = args[1], *zeros_like = args[2], *relayout = args[3];
  int fma = PyObject_IsTrue(args[4]);
  if (fma < 0) return NULL;
  if (intern_strings() < 0) return NULL;
  PyTypeObject *fast = parameter_type();
  // A tuple of the groups: the list may change while user code runs.
  if ((groups = PySequence_Tuple(args[0])) == NULL) return NULL;
  group_count = PyTuple_GET_SIZE(groups);
  if (group_count > STACK_GROUPS) {
    params = PyMem_New(PyObject *, group_count);
    options = PyMem_New(swiftlr_sgd_group, group_count);
    if (params == NULL || options == NULL) {
      PyErr_NoMemory();
      goto done;
    }
  }
  for (; groups_read < group_count; groups_read++) {
    if (read_group(PyTuple_GET_ITEM(groups, groups_read), &options[groups_read], &params[groups_read]) < 0) goto done;
    options[groups_read].fma = fma;
  }
  for (Py_ssize_t g = 0; g < group_count; g++) capacity += PyTuple_GET_SIZE(params[g]);
  if (capacity > STACK_ENTRIES) {
    entries = PyMem_New(sgd_entry, capacity);
    tensors = PyMem_New(swiftlr_sgd_tensor, capacity);
    if (entries == NULL || tensors == NULL) {
      PyErr_NoMemory();
      goto done;
    }
  }
  for (Py_ssize_t g = 0; g < group_count; g++) {
    int momentum = options[g].momentum != 0;
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(params[g]); k++) {
      PyObject *param = PyTuple_GET_ITEM(params[g], k);
      PyObject *grad = param_attr(param, str_grad, str_slot_grad, fast);
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
  swiftlr_message message;
  int32_t status;
  Py_BEGIN_ALLOW_THREADS status = swiftlr_sgd_step(tensors, n, options, group_count, &message);
  Py_END_ALLOW_THREADS if (status != SWIFTLR_OK) {
    shim_raise(status, &message);
    goto done;
  }
  for (Py_ssize_t i = 0; i < n; i++) {
    sgd_entry *e = &entries[i];
    if (e->fresh && record_buffer(state, e->param, &e->param_state, e->buffer) < 0) goto done;
  }
  result = Py_NewRef(Py_None);

done:
  for (Py_ssize_t i = 0; i < n; i++) release_entry(&entries[i]);
  for (Py_ssize_t g = 0; g < groups_read; g++) Py_DECREF(params[g]);
  if (entries != stack_entries) PyMem_Free(entries);
  if (tensors != stack_tensors) PyMem_Free(tensors);
  if (params != stack_params) PyMem_Free(params);
  if (options != stack_options) PyMem_Free(options);
  Py_XDECREF(groups);
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
