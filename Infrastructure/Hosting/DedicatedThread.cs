using System.Collections.Concurrent;
using System.Runtime.InteropServices;

namespace Strongroom.Infrastructure.Hosting;

/// <summary>
/// Runs an asynchronous loop on a thread of its own: every continuation of the loop comes back to
/// that thread (a single-threaded <see cref="SynchronizationContext"/>), never to the thread pool,
/// so under a burst the loop does not wait in the pool's queue behind the requests it is serving.
/// On Linux the thread can be given a better scheduling priority (a lower nice value) than the
/// request threads, so that when the cores are saturated the OS runs it first.
/// </summary>
public static partial class DedicatedThread
{
    /// <summary>
    /// Starts <paramref name="loop"/> on a new background thread named <paramref name="name"/> and
    /// returns a task that ends as the loop does. <paramref name="niceness"/>, when not 0, is the
    /// thread's nice value (-20..19; below 0 needs CAP_SYS_NICE); when the OS refuses it, the errno
    /// goes to <paramref name="priorityRefused"/> and the thread runs at the process's priority.
    /// </summary>
    public static Task Run(string name, int niceness, Func<Task> loop, Action<int>? priorityRefused = null)
    {
        ArgumentNullException.ThrowIfNull(loop);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            if (niceness != 0 && OperatingSystem.IsLinux() && SetPriority(PrioProcess, GetThreadId(), niceness) != 0)
            {
                priorityRefused?.Invoke(Marshal.GetLastPInvokeError());
            }

            var context = new LoopContext();
            SynchronizationContext.SetSynchronizationContext(context);
            Task task;
            try
            {
                task = loop();
            }
            catch (Exception exception)
            {
                task = Task.FromException(exception);
            }

            task.ContinueWith(static (_, state) => ((LoopContext)state!).Complete(), context, CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            context.RunUntilComplete();
            SynchronizationContext.SetSynchronizationContext(null);
            if (task.Exception is { } failed)
            {
                done.TrySetException(failed.InnerExceptions);
            }
            else if (task.IsCanceled)
            {
                done.TrySetCanceled();
            }
            else
            {
                done.TrySetResult();
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();
        return done.Task;
    }

    private const int PrioProcess = 0;

    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriority(int which, int who, int prio);

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetThreadId();

    /// <summary>Continuations posted to it run on the loop's thread, in order; once the loop has ended, on the pool.</summary>
    private sealed class LoopContext : SynchronizationContext
    {
        private readonly BlockingCollection<(SendOrPostCallback Callback, object? State)> _work = [];

        public override void Post(SendOrPostCallback d, object? state)
        {
            try
            {
                if (_work.TryAdd((d, state)))
                {
                    return;
                }
            }
            catch (Exception exception) when (exception is InvalidOperationException or ObjectDisposedException)
            {
                // Completed: the loop's thread is gone.
            }

            ThreadPool.QueueUserWorkItem(static item => item.Callback(item.State), (Callback: d, State: state), preferLocal: false);
        }

        public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException("The loop's thread is not entered synchronously.");

        public override SynchronizationContext CreateCopy() => this;

        public void Complete() => _work.CompleteAdding();

        public void RunUntilComplete()
        {
            foreach (var (callback, state) in _work.GetConsumingEnumerable())
            {
                callback(state);
            }
        }
    }
}
