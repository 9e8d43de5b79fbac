using System;
using System.Runtime.InteropServices;

namespace Faustish.IO;

/// <summary>
/// Lowers the scheduling priority of the calling thread (Linux: its nice value, per thread), for background work that
/// must not take cores from a worker thread: a checkpoint's hashing and syncing ran at the workers' priority and, on a
/// two-core machine, preempted the worker for 10–45 ms at a time while it waited for a core. Lowering one's own
/// priority needs no privilege. A no-op elsewhere, or where the call is unavailable.
/// </summary>
internal static partial class BackgroundPriority
{
    /// <summary>The nice value background threads run at (0 is the default, 19 the lowest priority).</summary>
    public const int Nice = 10;

    public static void LowerCurrentThread()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            const int PrioProcess = 0; // PRIO_PROCESS with a thread id: that thread only (Linux).
            _ = NativeMethods.SetPriority(PrioProcess, NativeMethods.GetTid(), Nice);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Best effort: the work still runs, at the normal priority.
        }
    }

    private static partial class NativeMethods
    {
        [LibraryImport("libc", EntryPoint = "gettid")]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static partial int GetTid();

        [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static partial int SetPriority(int which, int who, int priority);
    }
}
