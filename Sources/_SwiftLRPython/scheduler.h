// `_swiftlr.NativeScheduler`, the native half of every swiftlr scheduler
// (internal to the shim). The Python base class `SwiftScheduler` derives from
// it; together they are one object:
//   scheduler_type.c   the type: lifetime, step bookkeeping attributes
//   scheduler_step.c   `step()`, `_update_lr()`, `_fast_forward(steps)`: PyTorch's step, in C
//   scheduler_state.c  fields by name, copies, `get_lr()`'s values
//   param_groups.c     the step transaction over the optimizer's param groups
//   group_cache.c      the last step's slots (the transaction's read/write policy)
#ifndef SWIFTLR_SCHEDULER_H
#define SWIFTLR_SCHEDULER_H

#include "param_groups.h"

/// The step protocol: which of PyTorch's `LRScheduler.step(epoch=None)` (step-order
/// warning, `_step_count`), `ReduceLROnPlateau.step(metrics, epoch=None)`, or
/// `CosineAnnealingWarmRestarts.step(epoch=None)` (neither warnings nor count).
typedef enum { STEP_LR = 0, STEP_METRIC = 1, STEP_PLAIN = 2 } StepProtocol;

/// The scheduler's lock: one thread's call at a time, kept with the GIL held
/// (no OS lock: a call holds it across the GIL's release only while it runs
/// Python code). A call from another thread waits for it with the GIL
/// released; the thread that holds it may call in again (its own Python
/// code: a lambda, `state_dict()` reading fields), but not change the
/// scheduler in the middle of a step (`busy`). A lock of another process
/// generation (the parent of a `fork()`) is free in the child: whatever
/// thread held it is not in this process.
typedef struct {
  unsigned long owner;       // the holding thread's ident, 0 when free
  Py_ssize_t depth;          // the owner's nested holds
  unsigned long generation;  // the fork generation `owner` belongs to
} SchedulerLock;

typedef struct {
  PyObject_HEAD swiftlr_scheduler *core;
  PyObject *config;            // the arguments the core was built from (for copies and pickles)
  PyObject *kind;              // the core's scheduler name (str)
  PyObject *optimizer;         // "optimizer"
  PyObject *last_lr;           // "_last_lr"
  PyObject *group_inputs;      // tuple of str: keys of each group read as step inputs
  MomentumTarget momentum;     // where cycled momenta go
  StepProtocol step_protocol;  // which of PyTorch's step methods `step()` is
  long long step_count;        // "_step_count"
  char is_initial;             // "_is_initial"
  char get_lr_called;          // "_get_lr_called_within_step"
  char python_inputs;          // the class computes its step inputs in Python (`_step_inputs`)
  char busy;                   // a step is running: its own thread's calls back may not change the scheduler
  SchedulerLock lock;          // one call at a time (scheduler_type.c)
  Py_ssize_t group_count;
  GroupCache cache;  // per group: what the last step read and wrote
} NativeScheduler;

/// What a call does to the scheduler, for `scheduler_enter`.
typedef enum {
  ENTER_READ = 0,    // reads it: allowed from user code in the middle of a step
  ENTER_CHANGE = 1,  // changes it: refused from user code in the middle of a step
  ENTER_BUILD = 2,   // (re)builds the core: a change, allowed before there is a core
} EnterMode;

/// Takes the scheduler's lock for a call that does `what`: waits (GIL
/// released) while another thread holds it. A change is refused
/// (RuntimeError) when it comes from user code that this very thread runs
/// in the middle of a step; so is any call but a build without a core.
/// Returns -1 with an exception set, without the lock.
int scheduler_enter_waiting(NativeScheduler *self, const char *what, EnterMode mode);
/// The fork generation this process is in (scheduler_type.c).
extern unsigned long scheduler_fork_generation;
/// `scheduler_enter_waiting`, inline where the lock is free in this generation (every step's case).
static inline int scheduler_enter(NativeScheduler *self, const char *what, EnterMode mode) {
  SchedulerLock *lock = &self->lock;
  if (lock->owner != 0 || lock->generation != scheduler_fork_generation || self->core == NULL) {
    return scheduler_enter_waiting(self, what, mode);
  }
  lock->owner = PyThread_get_thread_ident();  // a free lock has depth 0
  lock->depth = 1;
  return 0;
}
/// Gives back what `scheduler_enter` took.
void scheduler_exit(NativeScheduler *self);

/// Replaces the core (taking ownership) and resets what depended on the old one.
void scheduler_adopt(NativeScheduler *self, swiftlr_scheduler *core);

/// The step transaction (param_groups.c): reads the groups, runs the core's rule (one step
/// with `inputs`, NULL: the group inputs; or `*fast_forward` steps), writes
/// the lrs and momenta back and commits. On success returns the new
/// `_last_lr` list; on any failure NULL, with the core, the groups and the
/// bookkeeping unchanged.
PyObject *scheduler_step_groups(NativeScheduler *self, PyObject *param_groups, const double *inputs,
                                Py_ssize_t input_count, const swiftlr_value *epoch, long long step_count,
                                const long long *fast_forward);

// The methods of the type (scheduler_type.c has the table), by file.
// scheduler_step.c
PyObject *scheduler_step(NativeScheduler *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames);
PyObject *scheduler_update_lr(NativeScheduler *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames);
PyObject *scheduler_core_step(NativeScheduler *self, PyObject *args, PyObject *kwargs);
PyObject *scheduler_fast_forward(NativeScheduler *self, PyObject *steps);
int scheduler_step_ready(void);
// scheduler_state.c
PyObject *scheduler_init_core(NativeScheduler *self, PyObject *args, PyObject *kwargs);
PyObject *scheduler_lrs(NativeScheduler *self, PyObject *args);
PyObject *scheduler_momenta(NativeScheduler *self, PyObject *ignored);
PyObject *scheduler_get(NativeScheduler *self, PyObject *name);
PyObject *scheduler_update(NativeScheduler *self, PyObject *dict);
PyObject *scheduler_copy(NativeScheduler *self, PyObject *ignored);
PyObject *scheduler_assign(NativeScheduler *self, PyObject *other);
PyObject *scheduler_save(NativeScheduler *self, PyObject *ignored);
PyObject *scheduler_restore(NativeScheduler *self, PyObject *token);
PyObject *scheduler_load(NativeScheduler *self, PyObject *args);
PyObject *scheduler_fields(NativeScheduler *self, void *closure);
PyObject *scheduler_config(NativeScheduler *self, void *closure);

#endif  // SWIFTLR_SCHEDULER_H
