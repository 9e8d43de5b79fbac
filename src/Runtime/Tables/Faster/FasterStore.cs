using System;
using System.Collections.Generic;
using System.IO;
using System.Numerics;
using FASTER.core;

namespace Faustish.Tables.Faster;

/// <summary>
/// A table partition's state in FASTER KV on local disk: hot keys in memory, the rest spilled to the log
/// file. The store starts empty; the table's changelog restores it.
/// </summary>
public abstract class FasterStore<TKey, TValue> : IStateStore<TKey, TValue> where TKey : notnull
{
    // 2^16 hash buckets (4 MiB of index) per partition; FASTER chains overflow buckets beyond that.
    private const long IndexBuckets = 1L << 16;

    private readonly FasterKV<TKey, TValue> _store;
    private readonly ClientSession<TKey, TValue, TValue, TValue, Empty, SimpleFunctions<TKey, TValue>> _session;
    private readonly IDevice _log;
    private readonly IDevice? _objectLog;
    private bool _disposed;

    protected FasterStore(StoreOptions options, bool needsObjectLog, SerializerSettings<TKey, TValue>? serializers)
    {
        ArgumentNullException.ThrowIfNull(options);
        // State is rebuilt from the changelog, so files left by an earlier run are stale: start clean.
        if (Directory.Exists(options.Directory))
        {
            Directory.Delete(options.Directory, recursive: true);
        }

        Directory.CreateDirectory(options.Directory);
        _log = Devices.CreateLogDevice(Path.Combine(options.Directory, "hlog.log"), preallocateFile: false, deleteOnClose: true);
        _objectLog = needsObjectLog
            ? Devices.CreateLogDevice(Path.Combine(options.Directory, "hlog.obj.log"), preallocateFile: false, deleteOnClose: true)
            : null;

        var memoryBits = Math.Clamp(BitOperations.Log2((ulong)Math.Max(options.MemoryBytes, 1L << 16)), 16, 40);
        var logSettings = new LogSettings
        {
            LogDevice = _log,
            ObjectLogDevice = _objectLog,
            MemorySizeBits = memoryBits,
            PageSizeBits = Math.Min(20, memoryBits - 2),
            MutableFraction = 0.9,
        };
        _store = new FasterKV<TKey, TValue>(IndexBuckets, logSettings, serializerSettings: serializers);
        _session = _store.For(new SimpleFunctions<TKey, TValue>()).NewSession<SimpleFunctions<TKey, TValue>>();
    }

    public bool TryGet(TKey key, out TValue value)
    {
        TValue output = default!;
        var status = _session.Read(ref key, ref output);
        if (status.IsPending)
        {
            // The record is on disk: wait for the read (rare for hot keys).
            _session.CompletePendingWithOutputs(out var completed, wait: true);
            using (completed)
            {
                while (completed.Next())
                {
                    status = completed.Current.Status;
                    output = completed.Current.Output;
                }
            }
        }

        value = output;
        return status.Found;
    }

    public void Put(TKey key, TValue value)
    {
        _session.Upsert(ref key, ref value);
    }

    public bool Delete(TKey key)
    {
        var existed = TryGet(key, out _);
        if (existed)
        {
            _session.Delete(ref key);
        }

        return existed;
    }

    public IEnumerable<KeyValuePair<TKey, TValue>> Scan()
    {
        using var iterator = _session.Iterate();
        while (iterator.GetNext(out _))
        {
            yield return new KeyValuePair<TKey, TValue>(iterator.GetKey(), iterator.GetValue());
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _session.Dispose();
        _store.Dispose();
        _log.Dispose();
        _objectLog?.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>A FASTER store for keys and values without references (<c>long</c>, <c>int</c>, plain structs): kept as they are.</summary>
public sealed class FasterBlittableStore<TKey, TValue>(StoreOptions options)
    : FasterStore<TKey, TValue>(options, needsObjectLog: false, serializers: null)
    where TKey : unmanaged
    where TValue : unmanaged;

/// <summary>A FASTER store for keys or values with references (strings, records): spilled to disk through their codecs.</summary>
public sealed class FasterEncodedStore<TKey, TValue>(StoreOptions options, Serialization.IRecordCodec<TKey> keyCodec, Serialization.IRecordCodec<TValue> valueCodec)
    : FasterStore<TKey, TValue>(options, needsObjectLog: true, new SerializerSettings<TKey, TValue>
    {
        keySerializer = () => new CodecObjectSerializer<TKey>(keyCodec),
        valueSerializer = () => new CodecObjectSerializer<TValue>(valueCodec),
    })
    where TKey : notnull;

/// <summary>Writes objects FASTER spills to its object log as length-prefixed codec bytes.</summary>
internal sealed class CodecObjectSerializer<T>(Serialization.IRecordCodec<T> codec) : BinaryObjectSerializer<T>
{
    private readonly System.Buffers.ArrayBufferWriter<byte> _buffer = new();

    public override void Serialize(ref T obj)
    {
        _buffer.ResetWrittenCount();
        codec.Write(_buffer, obj);
        writer.Write(_buffer.WrittenCount);
        writer.Write(_buffer.WrittenSpan);
    }

    public override void Deserialize(out T obj)
    {
        var length = reader.ReadInt32();
        obj = codec.Read(reader.ReadBytes(length));
    }
}
