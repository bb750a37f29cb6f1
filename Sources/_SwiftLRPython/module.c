// The `swiftlr._swiftlr` extension module: registers the shim's types and
// functions. See shim.h for what each file holds.
#include "shim.h"
#include "swiftlr_python.h"

static PyMethodDef module_methods[] = {
    {"sgd_step", (PyCFunction)(void (*)(void))shim_sgd_step, METH_FASTCALL,
     "sgd_step(tensors, groups) -> None\n\n"
     "One SGD step over every tensor. tensors: list of (param, grad, buffer or None,\n"
     "fresh_buffer, group_index); groups: list of (lr, momentum, dampening,\n"
     "weight_decay, nesterov, maximize). All inputs are checked before any write;\n"
     "the update runs without the GIL."},
    {"axpy", (PyCFunction)(void (*)(void))shim_axpy, METH_FASTCALL,
     "axpy(a, b, scale) -> None\n\n"
     "a += scale * b in place over all cores, without the GIL: the benchmarks'\n"
     "memory-bandwidth yardstick. a and b: float32 or float64 arrays alike."},
    {"schedule_values", (PyCFunction)(void (*)(void))shim_schedule_values, METH_FASTCALL,
     "schedule_values(kind, config, steps, inputs=None) -> bytearray\n\n"
     "The lr of group 0 of the scheduler `kind` (built fresh from `config`) at each step\n"
     "of `steps`, a contiguous int64 buffer, as native float64 bytes. `inputs`: per-step\n"
     "inputs, the same at every step. The loop runs without the GIL."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "swiftlr._swiftlr",
    .m_doc = "The Swift core of swiftlr (private; use the swiftlr package).",
    .m_size = -1,
    .m_methods = module_methods,
};

__attribute__((visibility("default"))) PyMODINIT_FUNC PyInit__swiftlr(void) {
  if (shim_str_lr == NULL) {
    shim_str_lr = PyUnicode_InternFromString("lr");
    if (shim_str_lr == NULL) return NULL;
  }
  if (shim_scheduler_ready() < 0) return NULL;
  PyObject *module = PyModule_Create(&module_def);
  if (module == NULL) return NULL;
  if (PyModule_AddObjectRef(module, "SchedulerCore", (PyObject *)&SchedulerCore_Type) < 0) {
    Py_DECREF(module);
    return NULL;
  }
  return module;
}
