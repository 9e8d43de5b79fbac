using System;
using System.Buffers;
using Faustish.Generated.Codecs;

namespace Faustish.Generators.Tests.Serialization;

/// <summary>A record of value types reads and writes without allocating (after warm-up).</summary>
public sealed class SerializerAllocationTests
{
    private const int Iterations = 10_000;

    [Fact]
    public void Reading_and_writing_a_struct_of_value_types_allocates_nothing()
    {
        var codec = ClickJsonCodec.Instance;
        var click = new Click(1234567890123, 42, new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.FromHours(2)));
        var output = new ArrayBufferWriter<byte>(256);
        // Mixed-case names and a number in a string take the slower paths too.
        var mixed = """{"USERID":"1234567890123","Page":42,"at":"2024-05-06T07:08:09+02:00","unknown":[1,{"a":2}]}"""u8.ToArray();

        // Warm up: JIT, static fields, the thread's cached writer, the output buffer's final size.
        for (var i = 0; i < 10; i++)
        {
            output.ResetWrittenCount();
            codec.Write(output, click);
            _ = codec.Read(output.WrittenSpan);
            _ = codec.Read(mixed);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var sum = 0L;
        for (var i = 0; i < Iterations; i++)
        {
            output.ResetWrittenCount();
            codec.Write(output, click);
            sum += codec.Read(output.WrittenSpan).UserId;
            sum += codec.Read(mixed).Page;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);
        Assert.Equal(Iterations * (1234567890123L + 42), sum);
    }
}
