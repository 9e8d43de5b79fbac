using System;
using System.Buffers;
using System.Text.Json;

namespace Faustish.Serialization.Json;

/// <summary>One <see cref="Utf8JsonWriter"/> per thread, pointed at each output in turn.</summary>
internal static class JsonWriterCache
{
    // JsonSerializer's writer settings: default encoder (escapes non-ASCII and HTML-sensitive characters), not indented.
    private static readonly JsonWriterOptions Options = new() { Indented = false, MaxDepth = 64 };

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    [ThreadStatic]
    private static bool t_inUse;

    public static Utf8JsonWriter Rent(IBufferWriter<byte> output)
    {
        if (t_inUse)
        {
            // Re-entrant write (a codec called from inside another's Write): a private writer keeps both intact.
            return new Utf8JsonWriter(output, Options);
        }

        t_inUse = true;
        var writer = t_writer;
        if (writer is null)
        {
            writer = new Utf8JsonWriter(output, Options);
            t_writer = writer;
        }
        else
        {
            writer.Reset(output);
        }

        return writer;
    }

    public static void Return(Utf8JsonWriter writer)
    {
        if (ReferenceEquals(writer, t_writer))
        {
            // Drop the reference to the caller's buffer and any half-written state.
            writer.Reset(NullBufferWriter.Instance);
            t_inUse = false;
        }
        else
        {
            writer.Dispose();
        }
    }

    private sealed class NullBufferWriter : IBufferWriter<byte>
    {
        public static readonly NullBufferWriter Instance = new();

        public void Advance(int count) => throw new InvalidOperationException("The cached JSON writer is not in use.");

        public Memory<byte> GetMemory(int sizeHint = 0) => throw new InvalidOperationException("The cached JSON writer is not in use.");

        public Span<byte> GetSpan(int sizeHint = 0) => throw new InvalidOperationException("The cached JSON writer is not in use.");
    }
}
