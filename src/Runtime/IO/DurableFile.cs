using System;
using System.IO;
using System.Runtime.InteropServices;

namespace Faustish.IO;

/// <summary>
/// Replaces small files so that a crash at any moment leaves either the old or the new content, never a
/// mix: write a temporary file, fsync it, rename it over the target, fsync the directory.
/// </summary>
internal static partial class DurableFile
{
    public static void WriteAtomically(string path, ReadOnlySpan<byte> content)
    {
        var temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
        SyncDirectory(Path.GetDirectoryName(path)!);
    }

    /// <summary>Makes a rename or a new file in <paramref name="directory"/> durable (a no-op where the OS journals it anyway).</summary>
    public static void SyncDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        const int ReadOnlyFlag = 0; // O_RDONLY
        var fd = NativeMethods.Open(directory, ReadOnlyFlag);
        if (fd < 0)
        {
            return; // Best effort: the rename itself is already atomic.
        }

        try
        {
            if (NativeMethods.Fsync(fd) != 0)
            {
                throw new IOException($"fsync of directory '{directory}' failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = NativeMethods.Close(fd);
        }
    }

    private static partial class NativeMethods
    {
        [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static partial int Open(string path, int flags);

        [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static partial int Fsync(int fd);

        [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        internal static partial int Close(int fd);
    }
}
