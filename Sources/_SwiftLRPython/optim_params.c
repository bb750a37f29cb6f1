// What SGD and Adam read alike: parameters, their gradients and state,
// group options and hyperparameters (see shim.h).
#include "param_groups.h"

#include <stddef.h>
#include <string.h>

/// `swiftlr.Parameter`, looked up once (NULL if it cannot be imported: every
/// parameter then takes the general path).
PyTypeObject *shim_parameter_type(void) {
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
PyObject *shim_param_attr(PyObject *param, PyObject *name, PyObject *slot, PyTypeObject *fast) {
  return PyObject_GetAttr(param, fast != NULL && Py_TYPE(param) == fast ? slot : name);
}

/// The one conversion of an optimizer hyperparameter to the double the kernel
/// uses: what torch's SGD and Adam accept (Python ints and floats, numpy scalars, 0-d arrays
/// and 0-d tensors of any float dtype), read as a float. Every decision
/// (momentum zero or not) is made on this double, so no layer can disagree.
int shim_optim_number(PyObject *value, const char *name, double *out) {
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
  static PyObject *str_ndim = NULL;
  if (str_ndim == NULL && (str_ndim = PyUnicode_InternFromString("ndim")) == NULL) return -1;
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
  const char *name = PyUnicode_AsUTF8(args[1]);
  if (name == NULL) return NULL;
  double value;
  if (shim_optim_number(args[0], name, &value) < 0) return NULL;
  return PyFloat_FromDouble(value);
}

// sgd_check(values: dict) -> None: torch.optim.SGD's constructor checks, the core's.
PyObject *shim_sgd_check(PyObject *Py_UNUSED(module), PyObject *values) {
  swiftlr_config *config = shim_config_from_dict(values);
  if (config == NULL) return NULL;
  swiftlr_message message;
  int32_t status = swiftlr_sgd_check(config, &message);
  swiftlr_config_free(config);
  if (status != SWIFTLR_OK) return shim_raise(status, &message);
  Py_RETURN_NONE;
}

/// `group[key]` as a new reference (KeyError when missing, as in PyTorch).
PyObject *shim_group_item(PyObject *group, PyObject *key) {
  if (PyDict_CheckExact(group)) {
    PyObject *item = PyDict_GetItemWithError(group, key);
    if (item == NULL && !PyErr_Occurred()) PyErr_SetObject(PyExc_KeyError, key);
    return Py_XNewRef(item);
  }
  return PyObject_GetItem(group, key);
}

int shim_read_numbers(PyObject *group, PyObject *const keys[], const char *const names[], double *const out[],
                      int count) {
  int exact = 1;
  for (int k = 0; k < count; k++) {
    PyObject *value = shim_group_item(group, keys[k]);
    if (value == NULL) return -1;
    int status = shim_optim_number(value, names[k], out[k]);
    exact &= shim_exact_number(value);
    Py_DECREF(value);
    if (status < 0) return -1;
  }
  return exact;
}

int shim_read_flags(PyObject *group, PyObject *const keys[], int32_t *const out[], int count) {
  int exact = 1;
  for (int k = 0; k < count; k++) {
    PyObject *value = shim_group_item(group, keys[k]);
    if (value == NULL) return -1;
    int truth = PyObject_IsTrue(value);
    exact &= shim_exact_flag(value);
    Py_DECREF(value);
    if (truth < 0) return -1;
    *out[k] = truth;
  }
  return exact;
}

/// numpy refuses to resize an array someone holds a weak reference to, even
/// with `refcheck=False`: hold one on each array while the kernel runs, so
/// another thread cannot free the memory under it. Objects without weak
/// references (bytearray, array.array) refuse resizing while a buffer is held.
int shim_pin(PyObject *object, PyObject **weak) {
  if (!PyType_SUPPORTS_WEAKREFS(Py_TYPE(object))) return 0;
  *weak = PyWeakref_NewRef(object, NULL);
  return *weak == NULL ? -1 : 0;
}

/// The optimizer state of the parameter, `state[param]`, or none yet: made
/// only once the step has succeeded, so that a failed step leaves `state` as it was.
int shim_param_state(shim_param *e, PyObject *state) {
  if (!PyDict_Check(state)) {
    PyErr_Format(PyExc_TypeError, "optimizer state must be a dict, got %.100s", Py_TYPE(state)->tp_name);
    return -1;
  }
  PyObject *entry = PyDict_GetItemWithError(state, e->param);
  if (entry == NULL) return PyErr_Occurred() ? -1 : 0;
  if (!PyDict_Check(entry)) {
    PyErr_Format(PyExc_TypeError, "optimizer state of a parameter must be a dict, got %.100s", Py_TYPE(entry)->tp_name);
    return -1;
  }
  e->param_state = Py_NewRef(entry);
  return 0;
}

/// Takes the gradient `*grad` of parameter `i` (whose buffer is
/// `param_view`, of the array `data`) into `grad_view`, pinned in `*weak`. A
/// gradient of the parameter's shape in another memory order is replaced by
/// `relayout(data, grad)`, a copy in the parameter's (PyTorch accepts any).
int shim_take_grad(PyObject **grad, PyObject **weak, Py_buffer *grad_view, char *taken, PyObject *data,
                   const Py_buffer *param_view, PyObject *relayout, Py_ssize_t i) {
  if (shim_pin(*grad, weak) < 0) return -1;
  if (shim_take_strided(*grad, grad_view, 0, 0, "gradient of parameter", i) < 0) return -1;
  *taken = 1;
  if (shim_buffer_dtype(param_view) != shim_buffer_dtype(grad_view)) {
    PyErr_Format(PyExc_TypeError, "gradient of parameter %zd has format '%s', the parameter '%s'", i, grad_view->format,
                 param_view->format);
    return -1;
  }
  if (shim_same_layout(param_view, grad_view) && PyBuffer_IsContiguous(grad_view, 'A')) return 0;
  int same_shape = param_view->ndim == grad_view->ndim;
  for (int d = 0; same_shape && d < param_view->ndim; d++) same_shape = param_view->shape[d] == grad_view->shape[d];
  if (same_shape) {
    PyObject *copy = PyObject_CallFunctionObjArgs(relayout, data, *grad, NULL);
    if (copy == NULL) return -1;
    PyBuffer_Release(grad_view);
    *taken = 0;
    Py_SETREF(*grad, copy);
    Py_CLEAR(*weak);
    if (shim_pin(*grad, weak) < 0) return -1;
    if (shim_take(*grad, grad_view, 0, "gradient of parameter", i) < 0) return -1;
    *taken = 1;
  }
  if (!shim_same_layout(param_view, grad_view) || shim_buffer_dtype(param_view) != shim_buffer_dtype(grad_view) ||
      !PyBuffer_IsContiguous(grad_view, 'A')) {
    char ps[128], gs[128];
    shim_describe_shape(param_view, ps, sizeof ps);
    shim_describe_shape(grad_view, gs, sizeof gs);
    PyErr_Format(PyExc_ValueError, "gradient of parameter %zd has shape %s (or memory order) unlike the parameter's %s",
                 i, gs, ps);
    return -1;
  }
  return 0;
}

/// Takes the writable buffer of a state array of parameter `i` (its
/// `role`, phrased for the messages: "momentum buffer of parameter",
/// "exp_avg of parameter", ...), pinned in `*weak`, and checks that it still
/// matches the parameter's buffer `param_view`. The role comes whole, not
/// formatted here: a snprintf per array was a tenth of a small Adam step.
int shim_take_state(PyObject *array, PyObject **weak, Py_buffer *view, char *taken, const Py_buffer *param_view,
                    const char *role, Py_ssize_t i) {
  if (shim_pin(array, weak) < 0) return -1;
  if (shim_take(array, view, 1, role, i) < 0) return -1;
  *taken = 1;
  if (shim_buffer_dtype(view) != shim_buffer_dtype(param_view) || !shim_same_layout(param_view, view)) {
    char ps[128], gs[128];
    shim_describe_shape(param_view, ps, sizeof ps);
    shim_describe_shape(view, gs, sizeof gs);
    PyErr_Format(PyExc_ValueError,
                 "%s %zd (shape %s, format '%s') no longer matches the parameter "
                 "(shape %s, format '%s'); was the parameter resized or retyped?",
                 role, i, gs, view->format, ps, param_view->format);
    return -1;
  }
  return 0;
}

// MARK: - The step's frame

/// The options last read from the first groups, each under the address of
/// its dict and the dict's version then. CPython 3.11-3.13 stamps a dict
/// with a new, globally unique version at its creation and at every change
/// (`group_dict_version`), so an address and version that match are the same
/// dict, unchanged: no reference is held (a dict freed and another allocated
/// at its address has another version). Where dicts carry no version (3.14+)
/// every step reads. Per group index: an optimizer's groups keep their
/// slots; two optimizers stepped in turn only read again. (Versions count per
/// interpreter since 3.12: the interpreter is part of the key.)
#if GROUP_DICT_STAMPS
#define OPTIONS_MEMO_SIZE 80
typedef struct {
  const PyObject *dict;
  const PyInterpreterState *interpreter;
  uint64_t version;
  shim_read_options reader;
  _Alignas(max_align_t) char options[OPTIONS_MEMO_SIZE];
} options_memo;
static options_memo memo[SHIM_STACK_GROUPS];
#endif

/// Group `g`'s options into `options`: remembered, or read (and remembered
/// when nothing read can change but the dict, as it was before and after).
static int read_group_options(PyObject *group, Py_ssize_t g, void *options, size_t size, shim_read_options read) {
#if GROUP_DICT_STAMPS
  int memorable = g < SHIM_STACK_GROUPS && size <= OPTIONS_MEMO_SIZE && PyDict_CheckExact(group);
  uint64_t version = memorable ? group_dict_version(group) : 0;
  const PyInterpreterState *interpreter = PyInterpreterState_Get();
  if (memorable && memo[g].dict == group && memo[g].version == version && memo[g].reader == read &&
      memo[g].interpreter == interpreter) {
    memcpy(options, memo[g].options, size);
    return 0;
  }
  int status = read(group, options);
  if (status < 0) return -1;
  if (memorable && status == 1 && group_dict_version(group) == version) {
    memo[g] = (options_memo){.dict = group, .interpreter = interpreter, .version = version, .reader = read};
    memcpy(memo[g].options, options, size);
  }
  return 0;
#else
  (void)g, (void)size;
  return read(group, options) < 0 ? -1 : 0;
#endif
}

/// `group["params"]` as a new tuple in *params.
static int read_group_params(PyObject *group, PyObject **params) {
  static PyObject *str_params = NULL;
  if (str_params == NULL && (str_params = PyUnicode_InternFromString("params")) == NULL) return -1;
  PyObject *list = shim_group_item(group, str_params);
  if (list == NULL) return -1;
  *params = PySequence_Tuple(list);
  Py_DECREF(list);
  return *params == NULL ? -1 : 0;
}

int shim_step_begin(shim_step *s, PyObject *groups, size_t option_size, size_t entry_size, size_t tensor_size,
                    shim_read_options read_options) {
  memset(s, 0, offsetof(shim_step, stack_params));
  s->entry_size = entry_size, s->tensor_size = tensor_size;
  s->params = s->stack_params;
  s->options = s->stack_options;
  s->entries = s->stack_entries;
  s->tensors = s->stack_tensors;
  // A tuple of the groups: the list may change while user code runs.
  if ((s->groups = PySequence_Tuple(groups)) == NULL) return -1;
  s->group_count = PyTuple_GET_SIZE(s->groups);
  if (s->group_count > SHIM_STACK_GROUPS || option_size * (size_t)s->group_count > sizeof s->stack_options) {
    s->params = PyMem_New(PyObject *, s->group_count);
    s->options = PyMem_Malloc(option_size * (size_t)s->group_count + 1);
    if (s->params == NULL || s->options == NULL) goto no_memory;
  }
  for (; s->groups_read < s->group_count; s->groups_read++) {
    Py_ssize_t g = s->groups_read;
    PyObject *group = PyTuple_GET_ITEM(s->groups, g);
    char *options = (char *)s->options + option_size * (size_t)g;
    if (read_group_options(group, g, options, option_size, read_options) < 0) return -1;
    if (read_group_params(group, &s->params[g]) < 0) return -1;
  }
  for (Py_ssize_t g = 0; g < s->group_count; g++) s->capacity += PyTuple_GET_SIZE(s->params[g]);
  if (entry_size * (size_t)s->capacity > sizeof s->stack_entries ||
      tensor_size * (size_t)s->capacity > sizeof s->stack_tensors) {
    s->entries = PyMem_Malloc(entry_size * (size_t)s->capacity + 1);
    s->tensors = PyMem_Malloc(tensor_size * (size_t)s->capacity + 1);
    if (s->entries == NULL || s->tensors == NULL) goto no_memory;
  }
  return 0;
no_memory:
  PyErr_NoMemory();
  return -1;
}

int shim_step_params(shim_step *s, PyObject *relayout, shim_fill_param fill, void *context) {
  static PyObject *str_grad, *str_slot_grad, *str_data, *str_slot_data;
  PyObject **const slots[] = {&str_grad, &str_slot_grad, &str_data, &str_slot_data};
  const char *const names[] = {"grad", "_grad", "data", "_data"};
  if (str_slot_data == NULL && shim_intern(slots, names, 4) < 0) return -1;  // once: this runs at every step
  PyTypeObject *fast = shim_parameter_type();
  for (Py_ssize_t g = 0; g < s->group_count; g++) {
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(s->params[g]); k++) {
      PyObject *param = PyTuple_GET_ITEM(s->params[g], k);
      PyObject *grad = shim_param_attr(param, str_grad, str_slot_grad, fast);
      if (grad == NULL) return -1;
      if (grad == Py_None) {
        Py_DECREF(grad);
        continue;
      }
      Py_ssize_t i = s->used++;
      shim_param *e = memset((char *)s->entries + s->entry_size * (size_t)i, 0, s->entry_size);
      e->arrays[1] = grad;
      e->param = Py_NewRef(param);
      // Each array is pinned before its memory is taken: any later Python code
      // (a finalizer at an allocation, another thread) cannot resize it.
      if ((e->arrays[0] = shim_param_attr(param, str_data, str_slot_data, fast)) == NULL ||
          shim_pin(e->arrays[0], &e->weak[0]) < 0 || shim_take(e->arrays[0], &e->views[0], 1, "parameter", i) < 0) {
        return -1;
      }
      e->taken[0] = 1;
      if (shim_take_grad(&e->arrays[1], &e->weak[1], &e->views[1], &e->taken[1], e->arrays[0], &e->views[0], relayout,
                         i) < 0 ||
          fill(e, (char *)s->tensors + s->tensor_size * (size_t)i, g, i, context) < 0) {
        return -1;
      }
    }
  }
  return 0;
}

void shim_step_end(shim_step *s, void (*release)(void *entry)) {
  for (Py_ssize_t i = 0; i < s->used; i++) release((char *)s->entries + s->entry_size * (size_t)i);
  for (Py_ssize_t g = 0; g < s->groups_read; g++) Py_DECREF(s->params[g]);
  if (s->entries != s->stack_entries) PyMem_Free(s->entries);
  if (s->tensors != s->stack_tensors) PyMem_Free(s->tensors);
  if (s->params != s->stack_params) PyMem_Free(s->params);
  if (s->options != s->stack_options) PyMem_Free(s->options);
  Py_XDECREF(s->groups);
}
