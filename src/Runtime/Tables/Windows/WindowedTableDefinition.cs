using System;
using Faustish.Serialization;
using Faustish.Topics;

namespace Faustish.Tables.Windows;

/// <summary>A windowed table's <c>[Table]</c> settings, as written (parsed once, at start, into a <see cref="WindowSpec"/>).</summary>
/// <param name="Window">The window, e.g. <c>"tumbling 1m grace 10s"</c>.</param>
/// <param name="Expires">Retention, e.g. <c>"1h"</c>; null for size + grace.</param>
/// <param name="Late">What happens to events after their window closed.</param>
/// <param name="CloseOn">What closes windows: stream time, and optionally the wall clock.</param>
/// <param name="RelativeTo">Which time <c>table[key]</c> refers to.</param>
public sealed record WindowOptions(string? Window, string? Expires, LateEvents Late = LateEvents.Drop,
    WindowClose CloseOn = WindowClose.StreamTime, WindowTime RelativeTo = WindowTime.Stream);

/// <summary>A windowed table's name, window, codecs, and the factories the generator wires up for it.</summary>
public sealed class WindowedTableDefinition<TKey, TValue> : TableDefinition where TKey : notnull
{
    private readonly Func<WindowedTableShard<TKey, TValue>, WindowedTable<TKey, TValue>> _createTable;
    private WindowSpec? _spec;

    /// <param name="name">Table name.</param>
    /// <param name="partitions">Declared partitions, or 0 to follow the source topic.</param>
    /// <param name="window">The window settings from <c>[Table]</c>.</param>
    /// <param name="keyCodec">Codec of the user's keys (the changelog key adds the window's bounds).</param>
    /// <param name="valueCodec">Codec for values in the changelog.</param>
    /// <param name="createTable">Creates the user's table class around a shard.</param>
    public WindowedTableDefinition(string name, int partitions, WindowOptions window, IRecordCodec<TKey> keyCodec, IRecordCodec<TValue> valueCodec,
        Func<WindowedTableShard<TKey, TValue>, WindowedTable<TKey, TValue>> createTable)
        : base(name, partitions)
    {
        Window = window ?? throw new ArgumentNullException(nameof(window));
        KeyCodec = keyCodec ?? throw new ArgumentNullException(nameof(keyCodec));
        ValueCodec = valueCodec ?? throw new ArgumentNullException(nameof(valueCodec));
        WindowKeyCodec = new WindowKeyCodec<TKey>(keyCodec);
        _createTable = createTable ?? throw new ArgumentNullException(nameof(createTable));
    }

    public WindowOptions Window { get; }

    /// <summary>The parsed window; throws <see cref="InvalidOperationException"/> saying what to change when it does not parse.</summary>
    public WindowSpec Spec => _spec ??= WindowSpec.Parse(Name, Window.Window, Window.Expires);

    public IRecordCodec<TKey> KeyCodec { get; }

    public IRecordCodec<TValue> ValueCodec { get; }

    /// <summary>Codec of store and changelog keys: the user's key plus the window's bounds.</summary>
    public IRecordCodec<WindowKey<TKey>> WindowKeyCodec { get; }

    public override Type KeyType => typeof(TKey);

    public override Type ValueType => typeof(TValue);

    public override void Validate() => _ = Spec;

    /// <summary>
    /// The window's retention plus its size and grace (a window is written until it closes and kept until it expires),
    /// plus one day of slack for changelog records stamped with earlier event times, as Kafka Streams'
    /// <c>windowstore.changelog.additional.retention.ms</c>: a changelog record is never deleted while its window can
    /// still be restored.
    /// </summary>
    public override long? ChangelogRetentionMs
    {
        get
        {
            var spec = Spec;
            return checked(spec.RetentionMs + spec.SizeMs + spec.GraceMs + (long)TimeSpan.FromDays(1).TotalMilliseconds);
        }
    }

    public override ITableShard OpenShard(int partition, StoreKind kind, StoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var spec = Spec;
        if (kind == StoreKind.Memory)
        {
            return new WindowedTableShard<TKey, TValue>(this, spec, partition, new InMemoryStore<WindowKey<TKey>, TValue>());
        }

        // One FASTER store holds the windows' values and their index (key lists, close and expiry queues, metadata), its
        // hash index counted in its share of the budget: a store of windows grows its hash index with every window.
        var store = new Faster.FasterCodecStore<IndexKey<TKey>, byte[]>(options with { IndexInBudget = true }, new IndexKeyCodec<TKey>(KeyCodec), RawBytesCodec.Instance);
        return new WindowedTableShard<TKey, TValue>(this, spec, partition, new WindowValues<TKey, TValue>(store, ValueCodec), store, store);
    }

    /// <summary>Creates the user's table class for a shard.</summary>
    public WindowedTable<TKey, TValue> CreateTable(WindowedTableShard<TKey, TValue> shard) => _createTable(shard);

    public override byte[] EncodeKeyText(string text) => CodecText.Encode(KeyCodec, text);
}
