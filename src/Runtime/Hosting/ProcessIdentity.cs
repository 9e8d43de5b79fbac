using System;
using System.Collections.Concurrent;
using System.IO;

namespace Faustish.Hosting;

/// <summary>
/// A process's lasting identity: a random id kept in <c>{DataDirectory}/process.id</c>, so the same data directory is
/// the same process across restarts. It names the process's transactional producers (a restart fences its crashed
/// predecessor, and two processes never fence each other) and its entry on the assignment board that places standbys.
/// </summary>
internal static class ProcessIdentity
{
    private static readonly ConcurrentDictionary<string, string> Known = new(StringComparer.Ordinal);

    /// <summary>The id of the process whose data lives in <paramref name="dataDirectory"/>; created on first use.</summary>
    public static string Of(string dataDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataDirectory);
        return Known.GetOrAdd(Path.GetFullPath(dataDirectory), Load);
    }

    private static string Load(string directory)
    {
        var path = Path.Combine(directory, "process.id");
        if (File.Exists(path))
        {
            var id = File.ReadAllText(path).Trim();
            if (id.Length == 32 && Guid.TryParseExact(id, "N", out _))
            {
                return id;
            }

            throw new InvalidDataException($"{path} does not hold a process id (32 hex digits): delete it, and the process gets a new one.");
        }

        Directory.CreateDirectory(directory);
        var created = Guid.NewGuid().ToString("N");
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, created);
        File.Move(temporary, path, overwrite: true);
        return created;
    }
}
