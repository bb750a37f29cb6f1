#if canImport(Glibc)
import Glibc
#endif

/// Runs `body` over `0..<total` split into contiguous ranges on all online
/// cores, the calling thread taking the first range. Below `minimumPerThread`
/// elements a thread is not worth starting and the work stays on the caller.
///
/// Threads are started per call: a kernel big enough to split takes
/// milliseconds, next to tens of microseconds for starting the threads.
/// `body` must touch no Python object (the GIL is released around it).
@usableFromInline
func parallelRanges(total: Int, minimumPerThread: Int, _ body: (Range<Int>) -> Void) {
  let cores = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
  let threads = min(cores, max(1, total / max(1, minimumPerThread)), 64)
  if threads <= 1 {
    body(0..<total)
    return
  }
  func range(_ t: Int) -> Range<Int> {
    // t * total cannot overflow: total < 2^62 and t <= 64 on any real buffer.
    (total / threads) * t + min(t, total % threads)..<(total / threads) * (t + 1) + min(t + 1, total % threads)
  }
  withoutActuallyEscaping(body) { body in
    final class Job {
      let run: () -> Void
      init(_ run: @escaping () -> Void) { self.run = run }
    }
    var handles: [pthread_t] = []
    var started: [Job] = []
    for t in 1..<threads {
      let job = Job { body(range(t)) }
      let context = Unmanaged.passRetained(job).toOpaque()
      var handle = pthread_t()
      let status = pthread_create(&handle, nil, { raw in
        let job = Unmanaged<AnyObject>.fromOpaque(raw!).takeRetainedValue() as! Job
        job.run()
        return nil
      }, context)
      if status == 0 {
        handles.append(handle)
        started.append(job)
      } else {
        // No thread to be had: do that range here instead.
        Unmanaged<Job>.fromOpaque(context).release()
        body(range(t))
      }
    }
    body(range(0))
    for handle in handles { pthread_join(handle, nil) }
    _ = started
  }
}
