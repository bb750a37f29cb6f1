#if canImport(Glibc)
  import Glibc
#endif

/// The threads the kernels may use: the online cores, or fewer if the
/// environment variable SWIFTLR_NUM_THREADS says so (as OMP_NUM_THREADS does
/// for PyTorch). Read once: glibc's sysconf reads a file in /sys on every
/// call, microseconds a step.
@usableFromInline
let onlineCores: Int = {
  let cores = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
  guard let text = getenv("SWIFTLR_NUM_THREADS"), let wanted = Int(String(cString: text)), wanted > 0 else {
    return cores
  }
  return min(wanted, cores)
}()

/// How many threads `parallelRanges` uses for `total` elements.
@usableFromInline
func parallelThreads(total: Int, minimumPerThread: Int) -> Int {
  min(onlineCores, max(1, total / max(1, minimumPerThread)), 64)
}

/// Runs `body` over `0..<total` split into contiguous ranges, on the calling
/// thread and up to `onlineCores - 1` workers. Below `minimumPerThread`
/// elements per thread a thread is not worth waking and the work stays on the
/// caller.
///
/// The work is cut into a few chunks per thread that threads take in turn, so
/// a worker the OS is slow to run (a busy machine) costs nothing: the caller
/// takes its chunks. The workers are started once and sleep between calls. A
/// call made while another thread's call holds the pool runs on the caller.
/// `body` must touch no Python object (the GIL is released around it).
@usableFromInline
func parallelRanges(total: Int, minimumPerThread: Int, _ body: (Range<Int>) -> Void) {
  let threads = parallelThreads(total: total, minimumPerThread: minimumPerThread)
  guard threads > 1, let pool = WorkerPool.acquire(workers: threads - 1) else {
    body(0..<total)
    return
  }
  let chunks = min(total, threads * 8)
  func range(_ c: Int) -> Range<Int> {
    // c * total cannot overflow: total < 2^62 and c <= 512 on any real buffer.
    (total / chunks) * c + min(c, total % chunks)..<(total / chunks) * (c + 1) + min(c + 1, total % chunks)
  }
  withoutActuallyEscaping(body) { body in
    pool.run(chunks: chunks) { c in body(range(c)) }
  }
  pool.release()
}

/// Worker threads that sleep on a condition variable until a call hands
/// them a job; one job at a time (`acquire` / `release`).
@usableFromInline
final class WorkerPool {
  // The state below is written by every step, always under `lock` or
  // `mutex`: no dynamic exclusivity checks on it (the module is not built
  // with -enforce-exclusivity=unchecked, which a versioned package cannot use).
  @exclusivity(unchecked) private static var shared: WorkerPool?
  private static let lock = makeMutex()

  private let mutex = makeMutex()
  private let wake = makeCondition()
  private let finished = makeCondition()
  private let busy = makeMutex()
  private let owner = getpid()
  @exclusivity(unchecked) private var workers = 0
  // The job, guarded by `mutex`: chunks `next..<chunks` are left to take;
  // once `open` is false no worker joins, and `active` workers are in it.
  @exclusivity(unchecked) private var generation = 0
  @exclusivity(unchecked) private var job: ((Int) -> Void)?
  @exclusivity(unchecked) private var chunks = 0
  @exclusivity(unchecked) private var next = 0
  @exclusivity(unchecked) private var open = false
  @exclusivity(unchecked) private var active = 0

  /// The pool, with up to `workers` threads (fewer if they cannot be
  /// started: the caller then does more), or nil when another call holds it.
  static func acquire(workers: Int) -> WorkerPool? {
    pthread_mutex_lock(lock)
    // A forked child has the parent's pool object but none of its threads.
    if shared == nil || shared!.owner != getpid() { shared = WorkerPool() }
    let pool = shared!
    pthread_mutex_unlock(lock)
    guard pthread_mutex_trylock(pool.busy) == 0 else { return nil }
    while pool.workers < workers && pool.startWorker() {}
    return pool
  }

  func release() { pthread_mutex_unlock(busy) }

  /// Runs `job(c)` once for each `c` in `0..<chunks`, on the caller and the
  /// workers that wake in time; returns when all are done and no worker
  /// holds `job` any more.
  func run(chunks: Int, _ job: @escaping (Int) -> Void) {
    pthread_mutex_lock(mutex)
    (self.job, self.chunks, next, open) = (job, chunks, 0, true)
    generation &+= 1
    pthread_cond_broadcast(wake)
    pthread_mutex_unlock(mutex)
    takeChunks(job)
    pthread_mutex_lock(mutex)
    open = false
    while active > 0 { pthread_cond_wait(finished, mutex) }
    self.job = nil
    pthread_mutex_unlock(mutex)
  }

  /// Runs chunks until none is left.
  private func takeChunks(_ job: (Int) -> Void) {
    while true {
      pthread_mutex_lock(mutex)
      let c = next
      next += 1
      pthread_mutex_unlock(mutex)
      guard c < chunks else { return }
      job(c)
    }
  }

  private func startWorker() -> Bool {
    // The worker waits for the job after the current one (it may start
    // running only once that job is under way).
    pthread_mutex_lock(mutex)
    let start = WorkerStart(pool: self, generation: generation)
    pthread_mutex_unlock(mutex)
    let context = Unmanaged.passRetained(start).toOpaque()
    var handle = pthread_t()
    let status = pthread_create(
      &handle, nil,
      { raw in
        let start = Unmanaged<WorkerStart>.fromOpaque(raw!).takeRetainedValue()
        start.pool.work(seen: start.generation)
        return nil
      }, context)
    guard status == 0 else {
      Unmanaged<WorkerStart>.fromOpaque(context).release()
      return false
    }
    pthread_detach(handle)
    workers += 1
    return true
  }

  /// Takes chunks of the current job. The job's closure is released on
  /// return, before the worker leaves the job: `parallelRanges` passes it
  /// with `withoutActuallyEscaping`, which checks that nobody keeps it.
  private func help() {
    pthread_mutex_lock(mutex)
    let job = self.job
    pthread_mutex_unlock(mutex)
    if let job { takeChunks(job) }
  }

  private func work(seen: Int) {
    var seen = seen
    pthread_mutex_lock(mutex)
    while true {
      while generation == seen { pthread_cond_wait(wake, mutex) }
      seen = generation
      guard open else { continue }  // woke too late: the caller did it all
      active += 1
      pthread_mutex_unlock(mutex)
      help()
      pthread_mutex_lock(mutex)
      active -= 1
      if active == 0 { pthread_cond_signal(finished) }
    }
  }
}

private final class WorkerStart {
  let pool: WorkerPool
  let generation: Int
  init(pool: WorkerPool, generation: Int) { (self.pool, self.generation) = (pool, generation) }
}

private func makeMutex() -> UnsafeMutablePointer<pthread_mutex_t> {
  let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  pthread_mutex_init(m, nil)
  return m
}

private func makeCondition() -> UnsafeMutablePointer<pthread_cond_t> {
  let c = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
  pthread_cond_init(c, nil)
  return c
}
