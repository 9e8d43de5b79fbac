using System;
using System.Buffers;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Faustish.IO;

namespace Faustish.Tables;

/// <summary>One file of a checkpoint, as the manifest saw it when the checkpoint was taken.</summary>
/// <param name="Path">Relative to the store's folder, with '/' separators.</param>
/// <param name="Length">Length in bytes.</param>
/// <param name="Sha256">SHA-256 of the content, lowercase hex.</param>
public sealed record CheckpointFile(string Path, long Length, string Sha256);

/// <summary>
/// The sidecar of a store checkpoint: what FASTER's own metadata cannot hold (the changelog offset the checkpoint
/// covers) and what lets a damaged checkpoint be told from a good one (the length and SHA-256 of each of its files).
/// </summary>
/// <remarks>
/// On disk: <c>checkpoints/manifest-{Sequence:D12}.json</c> in the store's folder, two lines: the manifest as one
/// line of JSON, then <c>sha256:</c> and the hex SHA-256 of that first line's bytes. Written atomically (temporary
/// file, fsync, rename, fsync of the folder) and only after every file it lists is durable, so a manifest that
/// reads back whole names a checkpoint that was complete.
/// </remarks>
/// <param name="Sequence">Increases by one with each checkpoint of the store.</param>
/// <param name="Token">FASTER's checkpoint token.</param>
/// <param name="ChangelogOffset">The next changelog offset after the last record the checkpoint contains: replay resumes here.</param>
/// <param name="CreatedUtc">When the checkpoint was taken.</param>
/// <param name="Files">Every file of the checkpoint.</param>
public sealed record CheckpointManifest(long Sequence, Guid Token, long ChangelogOffset, DateTimeOffset CreatedUtc, IReadOnlyList<CheckpointFile> Files)
{
    /// <summary>
    /// 2: stores keep keys and values as bytes (FASTER <c>SpanByte</c>). Checkpoints of format 1 hold FASTER's object
    /// layout, which a store of format 2 would misread: they are refused, and the table is replayed from its changelog.
    /// </summary>
    public const int FormatVersion = 2;

    private const string ChecksumPrefix = "sha256:";

    /// <summary>The manifest's file name for a sequence number.</summary>
    public static string FileName(long sequence) => $"manifest-{sequence.ToString("D12", CultureInfo.InvariantCulture)}.json";

    /// <summary>The sequence number in a manifest's file name, or null when the name is not a manifest's.</summary>
    public static long? SequenceOf(string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        if (!fileName.StartsWith("manifest-", StringComparison.Ordinal) || !fileName.EndsWith(".json", StringComparison.Ordinal))
        {
            return null;
        }

        var digits = fileName["manifest-".Length..^".json".Length];
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) ? sequence : null;
    }

    /// <summary>Writes the manifest to <paramref name="path"/> atomically and durably.</summary>
    public void Write(string path)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("format", FormatVersion);
            json.WriteNumber("sequence", Sequence);
            json.WriteString("token", Token);
            json.WriteNumber("changelogOffset", ChangelogOffset);
            json.WriteString("createdUtc", CreatedUtc);
            json.WriteStartArray("files");
            foreach (var file in Files)
            {
                json.WriteStartObject();
                json.WriteString("path", file.Path);
                json.WriteNumber("length", file.Length);
                json.WriteString("sha256", file.Sha256);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        var body = buffer.WrittenSpan;
        var checksum = Encoding.ASCII.GetBytes("\n" + ChecksumPrefix + Convert.ToHexStringLower(SHA256.HashData(body)) + "\n");
        var content = new byte[body.Length + checksum.Length];
        body.CopyTo(content);
        checksum.CopyTo(content.AsSpan(body.Length));
        DurableFile.WriteAtomically(path, content);
    }

    /// <summary>Reads a manifest, checking its checksum and format. Throws <see cref="InvalidDataException"/> saying what is wrong.</summary>
    public static CheckpointManifest Read(string path)
    {
        var content = File.ReadAllBytes(path);
        var newline = Array.IndexOf(content, (byte)'\n');
        if (newline < 0)
        {
            throw new InvalidDataException($"manifest '{Path.GetFileName(path)}' is truncated ({content.Length} bytes, no checksum line)");
        }

        var body = content.AsSpan(0, newline);
        var trailer = Encoding.ASCII.GetString(content, newline + 1, content.Length - newline - 1).Trim();
        if (!trailer.StartsWith(ChecksumPrefix, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"manifest '{Path.GetFileName(path)}' has no checksum line");
        }

        var expected = trailer[ChecksumPrefix.Length..];
        var actual = Convert.ToHexStringLower(SHA256.HashData(body));
        if (!string.Equals(expected, actual, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"manifest '{Path.GetFileName(path)}' fails its checksum (expected {Short(expected)}, content hashes to {Short(actual)})");
        }

        try
        {
            using var document = JsonDocument.Parse(content.AsMemory(0, newline));
            var root = document.RootElement;
            var format = root.GetProperty("format").GetInt32();
            if (format != FormatVersion)
            {
                throw new InvalidDataException($"manifest '{Path.GetFileName(path)}' has format {format}; this version reads format {FormatVersion}");
            }

            var files = new List<CheckpointFile>();
            foreach (var file in root.GetProperty("files").EnumerateArray())
            {
                files.Add(new CheckpointFile(
                    file.GetProperty("path").GetString() ?? throw new InvalidDataException("a file without a path"),
                    file.GetProperty("length").GetInt64(),
                    file.GetProperty("sha256").GetString() ?? throw new InvalidDataException("a file without a checksum")));
            }

            return new CheckpointManifest(
                root.GetProperty("sequence").GetInt64(),
                root.GetProperty("token").GetGuid(),
                root.GetProperty("changelogOffset").GetInt64(),
                root.GetProperty("createdUtc").GetDateTimeOffset(),
                files);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            throw new InvalidDataException($"manifest '{Path.GetFileName(path)}' does not parse: {e.Message}", e);
        }
    }

    /// <summary>Describes a file for a manifest: its length and SHA-256.</summary>
    public static CheckpointFile Describe(string root, string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1 << 16);
        var hash = SHA256.HashData(stream);
        return new CheckpointFile(Path.GetRelativePath(root, path).Replace('\\', '/'), stream.Length, Convert.ToHexStringLower(hash));
    }

    /// <summary>Checks every file against the manifest. Throws <see cref="InvalidDataException"/> naming the first file that differs.</summary>
    public void Verify(string root)
    {
        foreach (var file in Files)
        {
            var path = Path.Combine(root, file.Path);
            if (!File.Exists(path))
            {
                throw new InvalidDataException($"checkpoint file '{file.Path}' is missing");
            }

            var length = new FileInfo(path).Length;
            if (length != file.Length)
            {
                throw new InvalidDataException($"checkpoint file '{file.Path}' has {length} bytes; the manifest says {file.Length} (truncated or overwritten)");
            }

            var actual = Describe(root, path);
            if (!string.Equals(actual.Sha256, file.Sha256, StringComparison.Ordinal))
            {
                throw new InvalidDataException($"checkpoint file '{file.Path}' fails its checksum (expected {Short(file.Sha256)}, found {Short(actual.Sha256)})");
            }
        }
    }

    private static string Short(string hex) => hex.Length > 12 ? hex[..12] + "…" : hex;
}
