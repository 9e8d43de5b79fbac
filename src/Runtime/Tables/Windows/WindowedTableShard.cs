using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using Faustish.Serialization;
using Faustish.Transport;

namespace Faustish.Tables.Windows;

/// <summary>A table shard that wants the context of the agent partition that writes it.</summary>
public interface IWindowedShard : ITableShard
{
    /// <summary>Called once by the agent partition that owns the shard, before any event.</summary>
    void Bind(IWindowContext context);
}

/// <summary>A shard whose windows the wall clock closes: the test context sets its fake clock's timer by it.</summary>
internal interface IWallClockDeadline
{
    long? NextDeadlineMs { get; }
}

/// <summary>
/// One partition of a windowed table. Window values live in the value store under (key, window start, window end); the
/// window index lives in a second store (FASTER too, sharing the process's store budget): each key's windows for session
/// and sliding tables, and two time queues (close and expiry) of windows chunked by time bucket. Tumbling and hopping
/// windows need no per-key list: their starts follow from the time. Memory holds only the queues' bucket directories
/// and unwritten chunk tails (bounded by the table's time horizon, not by keys or windows) and the write cache.
/// </summary>
/// <remarks>
/// <para>The table's time <c>C</c>: a table that has seen no write (and restored no time) has none, so its first writes are
/// never late. From its first write on, <c>C</c> is the largest of: the times written, the partition's stream time (which
/// moves record by record), the time restored from the changelog, and — with <see cref="WindowClose.WallClock"/> — the wall
/// clock as of the last <see cref="Advance"/>. Each write, and each <see cref="Advance"/>, first closes every window whose
/// close time is ≤ C (firing the close callback once); <see cref="Advance"/> also removes expired windows from store and
/// changelog, and reads and merges ignore expired windows that are still there. So what a table holds, what it reads and
/// which callbacks fire never depend on how records were split into batches.</para>
/// <para>Sliding tables keep, besides their windows, one entry per event time (start = end = the time) with the merge of
/// the values written at that time: a window that a new event calls for (KIP-450) takes the merge of the entries it spans.</para>
/// <para>The changelog carries, besides windowed entries, one record with an empty key whose value is C as of the
/// flush. A full replay reads it back, rebuilds the index record by record, marks windows closed before C as closed
/// without firing their callbacks, and expires what is past retention (writing tombstones again at the next flush), so
/// recovery neither resurrects expired windows nor fires a close callback twice for windows closed before the last
/// commit. With FASTER stores, both stores are checkpointed together (the index store also holds C and the queue
/// directories, written at each flush), and a restore loads the checkpoint and replays only the changelog after it.</para>
/// </remarks>
public sealed class WindowedTableShard<TKey, TValue> : IWindowedShard, IWallClockDeadline where TKey : notnull
{
    private const byte TimeRecordVersion = 1;
    private const long MetaVersion = 1;
    private const int MetaPageBytes = 2048;
    private const int SlotBytes = 17;

    // Every write goes through the cache, which also tracks the keys the next changelog flush sends.
    private readonly WriteCache<WindowKey<TKey>, TValue> _store;
    private readonly IStateStore<IndexKey<TKey>, byte[]> _index;
    private readonly WindowQueue<TKey> _closing;
    private readonly WindowQueue<TKey> _expiring;
    private readonly WindowedCheckpoints? _checkpoints;
    private readonly IRecordCodec<WindowKey<TKey>> _windowKeyCodec;

    // Tumbling and hopping windows removed (Remove) while open: their queue entries are still there, so writing them
    // again does not queue them twice. Only as many as Remove calls on open windows; each leaves when its close is due.
    private readonly HashSet<WindowKey<TKey>> _removedOpen = [];
    private readonly bool _keyLists;
    private readonly Action<WindowKey<TKey>> _onClose;
    private readonly Action<WindowKey<TKey>> _onExpire;
    private readonly ArrayBufferWriter<byte> _key = new(256);
    private readonly ArrayBufferWriter<byte> _value = new(1024);
    private readonly List<long> _times = [];
    private readonly List<long> _starts = [];
    private readonly List<Slot> _slots = [];
    private readonly List<Slot> _readSlots = [];
    private readonly List<Slot> _dueSlots = [];
    private readonly WindowedTable<TKey, TValue> _table;
    private long _timeMs = -1;
    private long _flushedTimeMs = -1;
    private long _wallClockMs = -1;
    private long _metaTimeMs = -1;
    private int _metaPages;
    private bool _metaDirty;
    private bool _fire;
    private bool _dequeuing;

    /// <summary>A shard over <paramref name="store"/>, with its window index in memory (tests, in-memory tables).</summary>
    public WindowedTableShard(WindowedTableDefinition<TKey, TValue> definition, WindowSpec spec, int partition, IStateStore<WindowKey<TKey>, TValue> store)
        : this(definition, spec, partition, store, new InMemoryStore<IndexKey<TKey>, byte[]>(), checkpoints: null)
    {
    }

    /// <summary>
    /// A shard over a value store and an index store (with FASTER, the same store holds both, and
    /// <paramref name="checkpoints"/> is that store).
    /// </summary>
    internal WindowedTableShard(WindowedTableDefinition<TKey, TValue> definition, WindowSpec spec, int partition, IStateStore<WindowKey<TKey>, TValue> store,
        IStateStore<IndexKey<TKey>, byte[]> index, ICheckpointableStore? checkpoints)
    {
        Definition = definition ?? throw new ArgumentNullException(nameof(definition));
        Spec = spec ?? throw new ArgumentNullException(nameof(spec));
        _store = new WriteCache<WindowKey<TKey>, TValue>(store ?? throw new ArgumentNullException(nameof(store)));
        _index = index ?? throw new ArgumentNullException(nameof(index));
        Partition = partition;
        _keyLists = spec.Kind is WindowKind.Session or WindowKind.Sliding;
        _windowKeyCodec = definition.WindowKeyCodec;
        _closing = new WindowQueue<TKey>(1, () => _index, _windowKeyCodec, spec.CloseAt, (2 * spec.SizeMs) + spec.GraceMs);
        _expiring = new WindowQueue<TKey>(2, () => _index, _windowKeyCodec, spec.ExpireAt, spec.RetentionMs + spec.SizeMs);
        _onClose = OnDueToClose;
        _onExpire = OnDueToExpire;
        if (checkpoints is not null)
        {
            _checkpoints = new WindowedCheckpoints(checkpoints, LoadMeta, ForgetAll);
        }

        _table = definition.CreateTable(this);
    }

    public WindowedTableDefinition<TKey, TValue> Definition { get; }

    TableDefinition ITableShard.Definition => Definition;

    public WindowSpec Spec { get; }

    public int Partition { get; }

    public object Table => _table;

    public int PendingWrites => _store.Count;

    /// <summary>The store's checkpoints (null for in-memory shards).</summary>
    public ICheckpointableStore? LocalCheckpoints => _checkpoints;

    /// <summary>The table's time C (Unix ms; -1 while the table has no time): see the remarks on the class.</summary>
    public long TimeMs => _timeMs < 0 ? -1 : Math.Max(_timeMs, Context?.StreamTimeMs ?? -1);

    /// <summary>Events that missed a closed window, since the shard opened (also counted in <c>faustish.window.late_events</c>).</summary>
    public long LateEvents { get; private set; }

    /// <summary>Close callbacks fired since the shard opened.</summary>
    public long ClosedWindows { get; private set; }

    /// <summary>Windows held (all keys), and for sliding tables also their event-time entries.</summary>
    public int WindowCount { get; private set; }

    /// <summary>
    /// What the window index holds in memory: buckets in the close and expiry queues' directories, and open windows
    /// removed with <see cref="Remove"/> whose close is still queued. Bounded by the table's time horizon, not by keys.
    /// </summary>
    public int IndexEntriesInMemory => _closing.BucketCount + _expiring.BucketCount + _removedOpen.Count;

    /// <summary>The agent partition's context, once bound.</summary>
    public IWindowContext? Context { get; private set; }

    /// <summary>
    /// The time of the event being processed (outside an event, the partition's stream time); for a shard that no agent
    /// partition is bound to, the table's time (0 before it has one).
    /// </summary>
    public long EventTimeMs => Context?.EventTimeMs ?? Math.Max(TimeMs, 0);

    /// <summary>The wall clock as the agent partition sees it (or as of the last <see cref="Advance"/>).</summary>
    public long WallClockMs => Context?.WallClockMs ?? _wallClockMs;

    /// <summary>The time <c>table[key]</c> refers to: the event's, or the wall clock's with <see cref="WindowTime.Now"/>.</summary>
    public long ReferenceTimeMs => Definition.Window.RelativeTo == WindowTime.Now ? WallClockMs : EventTimeMs;

    public void Bind(IWindowContext context) => Context = context ?? throw new ArgumentNullException(nameof(context));

    /// <summary>
    /// Applies a write at <paramref name="timeMs"/> to every open window containing it: merges <paramref name="operand"/>
    /// into the window's value (<paramref name="merge"/>) or replaces it. Sessions merge as in Kafka Streams.
    /// </summary>
    public void Apply(TKey key, long timeMs, bool merge, TValue operand)
    {
        if (timeMs < 0)
        {
            ThrowNegativeTime(timeMs);
        }

        // The write's own time moves the table's time first (Kafka Streams' observed stream time), then windows that the
        // time closed fire their callbacks, whatever the batch: expired windows are left for Advance to remove (reads and
        // merges already ignore them).
        _timeMs = Math.Max(_timeMs, timeMs);
        var now = TimeMs;
        CloseAndExpire(now, fire: true, expire: false);
        switch (Spec.Kind)
        {
            case WindowKind.Tumbling:
            case WindowKind.Hopping:
                Window? missed = null;
                var applied = false;
                for (var start = Spec.LastStart(timeMs); start > timeMs - Spec.SizeMs && start >= 0; start -= Spec.StepMs)
                {
                    var end = start + Spec.SizeMs;
                    if (Spec.CloseAt(start, end) <= now)
                    {
                        missed = new Window(start, end);
                        continue;
                    }

                    Write(key, start, end, merge, operand);
                    applied = true;
                }

                if (missed is { } window)
                {
                    Late(timeMs, window, now, applied);
                }

                break;
            case WindowKind.Sliding:
                LoadSlots(key, _slots);
                if (ApplySliding(key, timeMs, merge, operand, now))
                {
                    SaveSlots(key, _slots);
                }

                break;
            default:
                LoadSlots(key, _slots);
                if (ApplySession(key, timeMs, merge, operand, now))
                {
                    SaveSlots(key, _slots);
                }

                break;
        }
    }

    /// <summary>
    /// The value of the latest window containing <paramref name="timeMs"/> (default when there is none); for sliding tables,
    /// the value of the window that ends at <paramref name="timeMs"/>: the merge of the writes in <c>[time - size, time]</c>.
    /// </summary>
    public TValue ValueAt(TKey key, long timeMs)
    {
        var now = TimeMs;
        switch (Spec.Kind)
        {
            case WindowKind.Tumbling:
            case WindowKind.Hopping:
                var start = Spec.LastStart(timeMs);
                return start >= 0 && Spec.ExpireAt(start, start + Spec.SizeMs) > now &&
                    _store.TryGet(new WindowKey<TKey>(key, start, start + Spec.SizeMs), out var value) ? value : default!;
            case WindowKind.Sliding:
                // The window ending at the time: the merge of what was written in [time - size, time].
                LoadSlots(key, _readSlots);
                return SlidingTotal(_readSlots, key, Math.Max(0, timeMs - Spec.SizeMs), timeMs, now);
            default:
                LoadSlots(key, _readSlots);
                // The latest live window containing the time.
                for (var i = _readSlots.Count - 1; i >= 0; i--)
                {
                    var slot = _readSlots[i];
                    if (slot.Start <= timeMs && timeMs <= slot.End && Live(slot, now))
                    {
                        return _store.TryGet(new WindowKey<TKey>(key, slot.Start, slot.End), out var found) ? found : default!;
                    }
                }

                return default!;
        }
    }

    /// <summary>The key's live windows and their values, in time order.</summary>
    public IReadOnlyList<WindowedValue<TValue>> Windows(TKey key)
    {
        var now = TimeMs;
        var windows = new List<WindowedValue<TValue>>();
        if (!_keyLists)
        {
            foreach (var start in LiveStarts(now))
            {
                var end = start + Spec.SizeMs;
                if (_store.TryGet(new WindowKey<TKey>(key, start, end), out var value))
                {
                    windows.Add(new WindowedValue<TValue>(new Window(start, end), value));
                }
            }

            return windows;
        }

        LoadSlots(key, _readSlots);
        foreach (var slot in _readSlots)
        {
            if (IsWindow(slot) && Live(slot, now))
            {
                windows.Add(new WindowedValue<TValue>(WindowOf(slot), WindowValue(key, slot)));
            }
        }

        return windows;
    }

    /// <summary>Every key that has live windows (scans the store: for tools, not for hot paths).</summary>
    public IEnumerable<TKey> Keys()
    {
        var seen = new HashSet<TKey>();
        if (_keyLists)
        {
            foreach (var (indexKey, _) in _index.Scan())
            {
                if (indexKey.Kind == IndexRecord.Slots && seen.Add(indexKey.Key))
                {
                    // Collected first: the caller may write while it enumerates.
                }
            }
        }
        else
        {
            foreach (var (windowKey, _) in _store.Scan())
            {
                seen.Add(windowKey.Key);
            }
        }

        foreach (var key in seen)
        {
            if (ContainsKey(key))
            {
                yield return key;
            }
        }
    }

    /// <summary>Removes every window of a key (tombstones in the changelog). Returns whether there was any.</summary>
    public bool Remove(TKey key)
    {
        var removed = false;
        if (!_keyLists)
        {
            var now = Math.Max(TimeMs, 0);
            foreach (var start in LiveStarts(TimeMs))
            {
                var windowKey = new WindowKey<TKey>(key, start, start + Spec.SizeMs);
                if (_store.TryGet(windowKey, out _))
                {
                    _store.Delete(windowKey);
                    WindowCount--;
                    removed = true;
                    if (Spec.CloseAt(windowKey.StartMs, windowKey.EndMs) > now)
                    {
                        _removedOpen.Add(windowKey);
                        _metaDirty = true;
                    }
                }
            }

            return removed;
        }

        LoadSlots(key, _slots);
        foreach (var slot in _slots)
        {
            _store.Delete(new WindowKey<TKey>(key, slot.Start, slot.End));
        }

        WindowCount -= _slots.Count;
        removed = _slots.Count > 0;
        _slots.Clear();
        SaveSlots(key, _slots);
        return removed;
    }

    public bool ContainsKey(TKey key)
    {
        var now = TimeMs;
        if (!_keyLists)
        {
            foreach (var start in LiveStarts(now))
            {
                if (_store.TryGet(new WindowKey<TKey>(key, start, start + Spec.SizeMs), out _))
                {
                    return true;
                }
            }

            return false;
        }

        LoadSlots(key, _readSlots);
        foreach (var slot in _readSlots)
        {
            if (IsWindow(slot) && Live(slot, now))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// When the wall clock next closes or expires a window here (Unix ms), or null when it never does: the table does
    /// not close on the wall clock, or holds no window.
    /// </summary>
    long? IWallClockDeadline.NextDeadlineMs
    {
        get
        {
            if ((Definition.Window.CloseOn & WindowClose.WallClock) == 0)
            {
                return null;
            }

            var next = Math.Min(_closing.NextDue, _expiring.NextDue);
            return next == long.MaxValue ? null : next;
        }
    }

    public void Advance(long streamTimeMs, long wallClockMs)
    {
        _wallClockMs = wallClockMs;
        if (_timeMs < 0)
        {
            // No write yet: the table has no time, and neither stream time nor the wall clock makes its first writes late.
            return;
        }

        var now = Math.Max(_timeMs, streamTimeMs);
        if ((Definition.Window.CloseOn & WindowClose.WallClock) != 0)
        {
            now = Math.Max(now, wallClockMs);
        }

        _timeMs = now;
        CloseAndExpire(now, fire: true);
    }

    public long Apply(RecordBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        for (var i = 0; i < batch.Count; i++)
        {
            ref readonly var record = ref batch[i];
            var keyBytes = batch.KeyOf(in record);
            if (keyBytes.IsEmpty)
            {
                var value = batch.ValueOf(in record);
                if (!record.ValueIsNull && value.Length >= 9 && value[0] == TimeRecordVersion)
                {
                    _timeMs = Math.Max(_timeMs, BinaryPrimitives.ReadInt64BigEndian(value[1..]));
                }
            }
            else
            {
                var key = Definition.WindowKeyCodec.Read(keyBytes);
                var existed = _store.Store.TryGet(key, out _);
                if (record.ValueIsNull)
                {
                    if (existed)
                    {
                        _store.Store.Delete(key);
                        Restored(key, added: false);
                    }
                }
                else
                {
                    _store.Store.Put(key, Definition.ValueCodec.Read(batch.ValueOf(in record)));
                    if (!existed)
                    {
                        Restored(key, added: true);
                    }
                }
            }
        }

        return batch.Count;
    }

    /// <summary>
    /// A restore has applied the changelog up to its end: windows that closed before the table's time are marked closed
    /// (their callbacks fired before the last commit), expired ones removed, and the index's metadata written.
    /// </summary>
    public void CompleteRestore()
    {
        CloseAndExpire(_timeMs, fire: false);
        _flushedTimeMs = _timeMs;
        WriteMeta();
    }

    public void FlushChangelog(IRecordProducer producer, TopicPartition changelog)
    {
        ArgumentNullException.ThrowIfNull(producer);
        foreach (var key in _store.Keys)
        {
            _key.ResetWrittenCount();
            _value.ResetWrittenCount();
            Definition.WindowKeyCodec.Write(_key, key);
            var exists = _store.TryGet(key, out var value);
            if (exists)
            {
                Definition.ValueCodec.Write(_value, value);
            }

            producer.Produce(changelog, _key.WrittenSpan, keyIsNull: false, _value.WrittenSpan, valueIsNull: !exists, timestampMs: Math.Max(key.EndMs, 0));
        }

        // The store catches up with the changelog only now: a checkpoint after this commit holds what it sent.
        _store.WriteBack();
        _timeMs = TimeMs;
        if (_timeMs != _flushedTimeMs)
        {
            Span<byte> time = stackalloc byte[9];
            time[0] = TimeRecordVersion;
            BinaryPrimitives.WriteInt64BigEndian(time[1..], _timeMs);
            producer.Produce(changelog, [], keyIsNull: false, time, valueIsNull: false, timestampMs: Math.Max(_timeMs, 0));
            _flushedTimeMs = _timeMs;
        }

        // And the index store holds the queues' directories and the time: a checkpoint of both stores is whole.
        WriteMeta();
    }

    public bool TryFormat(ReadOnlySpan<byte> key, out string json)
    {
        var windows = Windows(Definition.KeyCodec.Read(key));
        if (windows.Count == 0)
        {
            json = "";
            return false;
        }

        var text = new StringBuilder("[");
        foreach (var window in windows)
        {
            text.Append(text.Length > 1 ? "," : "")
                .Append("{\"start\":\"").Append(window.Window.Start.ToString("O", System.Globalization.CultureInfo.InvariantCulture))
                .Append("\",\"end\":\"").Append(DateTimeOffset.FromUnixTimeMilliseconds(window.Window.ExclusiveEndMs).ToString("O", System.Globalization.CultureInfo.InvariantCulture))
                .Append("\",\"value\":").Append(FormatValue(window.Value)).Append('}');
        }

        json = text.Append(']').ToString();
        return true;
    }

    public IEnumerable<(string Key, string Value)> FormatAll()
    {
        foreach (var key in new List<TKey>(Keys()))
        {
            _key.ResetWrittenCount();
            Definition.KeyCodec.Write(_key, key);
            var keyText = Topics.CodecText.Format(Definition.KeyCodec, _key.WrittenSpan);
            foreach (var window in Windows(key))
            {
                yield return ($"{keyText} {window.Window}", FormatValue(window.Value));
            }
        }
    }

    public void Dispose()
    {
        _store.Dispose();
        _index.Dispose();
    }

    /// <summary>
    /// KIP-450: each event time <c>t</c> calls for its left window <c>[max(0, t - size), that + size]</c>, and for its right
    /// window <c>[t + 1, t + 1 + size]</c> when a later event falls in it; each window holds the merge of the events it spans.
    /// A write updates its event-time entry, every open window containing it (creating those it now calls for), and
    /// creates its own right window when a later event already exists. Closed windows keep their value; the write is late
    /// for them. Works on the key's slots in <see cref="_slots"/>; returns whether they changed.
    /// </summary>
    private bool ApplySliding(TKey key, long timeMs, bool merge, TValue operand, long now)
    {
        var size = Spec.SizeMs;
        var leftStart = Math.Max(0, timeMs - size);
        var slots = _slots;

        // Every window containing the time ends by time + size: when that one is closed, so are all.
        if (Spec.CloseAt(timeMs, timeMs + size) <= now)
        {
            Late(timeMs, new Window(leftStart, leftStart + size, endInclusive: true), now, applied: false);
            return false;
        }

        // The live event times near this one, with this one: windows containing it start from time - size - 1.
        _times.Clear();
        _starts.Clear();
        _times.Add(timeMs);
        var hasLater = false;
        foreach (var slot in slots)
        {
            if (!IsWindow(slot) && slot.Start != timeMs && Live(slot, now) && slot.Start >= timeMs - 2 * size - 1 && slot.Start <= timeMs + size + 1)
            {
                _times.Add(slot.Start);
                hasLater |= slot.Start > timeMs;
            }
        }

        foreach (var time in _times)
        {
            var left = Math.Max(0, time - size);
            if (left <= timeMs && timeMs <= left + size && !_starts.Contains(left))
            {
                _starts.Add(left);
            }

            // The right window of an earlier event, which this event is in (and so calls for).
            if (time < timeMs && timeMs <= time + 1 + size && !_starts.Contains(time + 1))
            {
                _starts.Add(time + 1);
            }
        }

        // This event's right window, when a later event is in it and it does not exist yet.
        var right = new WindowKey<TKey>(key, timeMs + 1, timeMs + 1 + size);
        var createRight = hasLater && !IsClosed(slots, right.StartMs, right.EndMs, now) && !_store.TryGet(right, out _);
        Window? missed = null;
        var anyOpen = createRight;
        foreach (var start in _starts)
        {
            if (IsClosed(slots, start, start + size, now))
            {
                missed = new Window(start, start + size, endInclusive: true);
            }
            else
            {
                anyOpen = true;
            }
        }

        if (!anyOpen)
        {
            // Every window the event calls for is closed: like Kafka Streams, it leaves no trace (not even its event-time entry).
            Late(timeMs, missed ?? new Window(leftStart, leftStart + size, endInclusive: true), now, applied: false);
            return false;
        }

        var entry = new WindowKey<TKey>(key, timeMs, timeMs);
        _store.Put(entry, merge && _store.TryGet(entry, out var current) ? _table.MergeValues(current, operand) : operand);
        AddSlot(slots, key, timeMs, timeMs);
        foreach (var start in _starts)
        {
            var end = start + size;
            if (IsClosed(slots, start, end, now))
            {
                continue;
            }

            var window = new WindowKey<TKey>(key, start, end);
            _store.Put(window, merge && _store.TryGet(window, out var value) ? _table.MergeValues(value, operand) : SlidingTotal(slots, key, start, end, now));
            AddSlot(slots, key, start, end);
        }

        if (createRight)
        {
            _store.Put(right, SlidingTotal(slots, key, right.StartMs, right.EndMs, now));
            AddSlot(slots, key, right.StartMs, right.EndMs);
        }

        if (missed is { } late)
        {
            // Kept in its event-time entry (and so in windows it calls for later) even when only its right window was new.
            Late(timeMs, late, now, applied: true);
        }

        return true;
    }

    /// <summary>The merge of the key's live event-time entries in <c>[start, end]</c>.</summary>
    private TValue SlidingTotal(List<Slot> slots, TKey key, long start, long end, long now)
    {
        TValue total = default!;
        var any = false;
        foreach (var slot in slots)
        {
            if (IsWindow(slot) || slot.Start < start || slot.Start > end || !Live(slot, now) ||
                !_store.TryGet(new WindowKey<TKey>(key, slot.Start, slot.End), out var value))
            {
                continue;
            }

            total = any ? _table.MergeValues(total, value) : value;
            any = true;
        }

        return total;
    }

    /// <summary>Works on the key's slots in <see cref="_slots"/>; returns whether they changed.</summary>
    private bool ApplySession(TKey key, long timeMs, bool merge, TValue operand, long now)
    {
        var gap = Spec.SizeMs;
        var start = timeMs;
        var end = timeMs;
        var hasValue = false;
        TValue merged = default!;
        List<Slot>? overlapping = null;
        foreach (var slot in _slots)
        {
            // Expired sessions are gone, whether or not the last Advance removed them yet.
            if (slot.End < timeMs - gap || slot.Start > timeMs + gap || !Live(slot, now))
            {
                continue;
            }

            // A closed session merges too: only the merged session's close decides (Kafka Streams).
            (overlapping ??= []).Add(slot);
            start = Math.Min(start, slot.Start);
            end = Math.Max(end, slot.End);
        }

        if (Spec.CloseAt(start, end) <= now)
        {
            Late(timeMs, new Window(start, end, endInclusive: true), now, applied: false);
            return false;
        }

        if (overlapping is not null)
        {
            foreach (var slot in overlapping)
            {
                var old = new WindowKey<TKey>(key, slot.Start, slot.End);
                if (_store.TryGet(old, out var value))
                {
                    merged = hasValue ? _table.MergeValues(merged, value) : value;
                    hasValue = true;
                }

                if (slot.Start != start || slot.End != end)
                {
                    _store.Delete(old);
                    RemoveSlot(_slots, slot.Start, slot.End);
                }
            }
        }

        var next = !merge ? operand : hasValue ? _table.MergeValues(merged, operand) : operand;
        var windowKey = new WindowKey<TKey>(key, start, end);
        _store.Put(windowKey, next);
        AddSlot(_slots, key, start, end);
        return true;
    }

    /// <summary>A tumbling or hopping window's write; a new window joins the close and expiry queues.</summary>
    private void Write(TKey key, long start, long end, bool merge, TValue operand)
    {
        var windowKey = new WindowKey<TKey>(key, start, end);
        var exists = _store.TryGet(windowKey, out var current);
        _store.Put(windowKey, merge && exists ? _table.MergeValues(current, operand) : operand);
        if (!exists)
        {
            Added(windowKey);
        }
    }

    /// <summary>A new tumbling or hopping window: counted and queued (unless its queue entries from before a Remove are still there).</summary>
    private void Added(WindowKey<TKey> windowKey)
    {
        WindowCount++;
        if (_removedOpen.Remove(windowKey))
        {
            return;
        }

        _closing.Enqueue(windowKey);
        _expiring.Enqueue(windowKey);
    }

    /// <summary>A changelog record added or removed a window during a restore: the index follows.</summary>
    private void Restored(WindowKey<TKey> windowKey, bool added)
    {
        _metaDirty = true;
        if (!_keyLists)
        {
            if (added)
            {
                Added(windowKey);
            }
            else
            {
                WindowCount--;
                if (Spec.CloseAt(windowKey.StartMs, windowKey.EndMs) > _timeMs)
                {
                    // Removed while open (Remove): its queue entries stay, as they did before the restart.
                    _removedOpen.Add(windowKey);
                }
            }

            return;
        }

        LoadSlots(windowKey.Key, _slots);
        if (added)
        {
            AddSlot(_slots, windowKey.Key, windowKey.StartMs, windowKey.EndMs);
        }
        else if (RemoveSlot(_slots, windowKey.StartMs, windowKey.EndMs))
        {
            WindowCount--;
        }

        SaveSlots(windowKey.Key, _slots);
    }

    /// <summary>The starts of tumbling or hopping windows not expired at <paramref name="now"/>, oldest first, up to the table's time.</summary>
    private IEnumerable<long> LiveStarts(long now)
    {
        var last = Spec.LastStart(Math.Max(TimeMs, 0));
        var first = last;
        while (first - Spec.StepMs >= 0 && (now < 0 || Spec.ExpireAt(first - Spec.StepMs, first - Spec.StepMs + Spec.SizeMs) > now))
        {
            first -= Spec.StepMs;
        }

        for (var start = first; start <= last; start += Spec.StepMs)
        {
            yield return start;
        }
    }

    private void Late(long eventTimeMs, Window window, long now, bool applied)
    {
        LateEvents++;
        Context?.OnLateEvent(new LateEvent(Definition.Name, Definition.Window.Late, eventTimeMs, window, now, applied, Spec.CloseAt(window.StartMs, window.EndMs)));
    }

    private bool IsClosed(List<Slot> slots, long start, long end, long now)
    {
        if (Spec.CloseAt(start, end) <= now)
        {
            return true;
        }

        // Closed by the wall clock at the last Advance, while stream time lags behind.
        return Find(slots, start, end) is var i and >= 0 && slots[i].Closed;
    }

    private void CloseAndExpire(long now, bool fire, bool expire = true)
    {
        if (_dequeuing)
        {
            // A close callback wrote to this table: the windows its time closed are being closed already.
            return;
        }

        _dequeuing = true;
        try
        {
            _fire = fire;
            _closing.DequeueDue(now, _onClose);
            if (expire)
            {
                _expiring.DequeueDue(now, _onExpire);
            }
        }
        finally
        {
            _dequeuing = false;
        }
    }

    /// <summary>A window's close time came: fire its callback once, if it is still there and not closed yet.</summary>
    private void OnDueToClose(WindowKey<TKey> windowKey)
    {
        if (!_keyLists)
        {
            if (!_store.TryGet(windowKey, out var value))
            {
                // Removed (or merged away) before it closed.
                _removedOpen.Remove(windowKey);
                return;
            }

            if (_fire)
            {
                ClosedWindows++;
                _table.WindowClosed(windowKey.Key, new Window(windowKey.StartMs, windowKey.EndMs), value);
            }

            return;
        }

        LoadSlots(windowKey.Key, _dueSlots);
        if (Find(_dueSlots, windowKey.StartMs, windowKey.EndMs) is not (var i and >= 0) || _dueSlots[i].Closed)
        {
            return;
        }

        CollectionsMarshal.AsSpan(_dueSlots)[i].Closed = true;
        SaveSlots(windowKey.Key, _dueSlots);
        if (_fire)
        {
            var slot = _dueSlots[i];
            ClosedWindows++;
            _table.WindowClosed(windowKey.Key, WindowOf(slot), WindowValue(windowKey.Key, slot));
        }
    }

    /// <summary>A window's expiry came: remove it from store and changelog, if it is still there.</summary>
    private void OnDueToExpire(WindowKey<TKey> windowKey)
    {
        if (!_keyLists)
        {
            if (_store.TryGet(windowKey, out _))
            {
                _store.Delete(windowKey);
                WindowCount--;
            }

            return;
        }

        LoadSlots(windowKey.Key, _dueSlots);
        if (RemoveSlot(_dueSlots, windowKey.StartMs, windowKey.EndMs))
        {
            WindowCount--;
            SaveSlots(windowKey.Key, _dueSlots);
            _store.Delete(windowKey);
        }
    }

    private Window WindowOf(Slot slot) =>
        new(slot.Start, slot.End, endInclusive: Spec.Kind is WindowKind.Sliding or WindowKind.Session);

    private TValue WindowValue(TKey key, Slot slot) =>
        _store.TryGet(new WindowKey<TKey>(key, slot.Start, slot.End), out var value) ? value : default!;

    /// <summary>False for a sliding table's event-time entries, which are not windows.</summary>
    private bool IsWindow(Slot slot) => Spec.Kind != WindowKind.Sliding || slot.Start != slot.End;

    /// <summary>Not expired at <paramref name="now"/>, whether or not it was removed yet.</summary>
    private bool Live(Slot slot, long now) => now < 0 || Spec.ExpireAt(slot.Start, slot.End) > now;

    private void ThrowNegativeTime(long timeMs) => throw new ArgumentOutOfRangeException(nameof(timeMs), timeMs,
        $"Windowed table '{Definition.Name}' cannot take a write at {timeMs} ms: window times are Unix milliseconds from 0 " +
        "(1970-01-01T00:00:00Z) on, and no window starts before 0 (as in Kafka Streams). " +
        (timeMs == -1 && Context?.StreamTimeMs == -1
            ? "No event is being processed and the table has no time yet: write at an explicit time with table[key, at]."
            : "Give the record a timestamp of 0 or later (or take its time from a value member with [Topic(Timestamp = ...)]), " +
              "or write at an explicit time with table[key, at]."));

    /// <summary>Adds a slot to a key's loaded slots in time order; a new one is counted and queued.</summary>
    private void AddSlot(List<Slot> slots, TKey key, long start, long end)
    {
        // Windows mostly arrive in time order: search from the end.
        var at = slots.Count;
        while (at > 0 && Compare(slots[at - 1], start, end) > 0)
        {
            at--;
        }

        if (at > 0 && slots[at - 1].Start == start && slots[at - 1].End == end)
        {
            return;
        }

        var slot = new Slot(start, end);
        slots.Insert(at, slot);
        WindowCount++;
        var windowKey = new WindowKey<TKey>(key, start, end);
        if (IsWindow(slot))
        {
            _closing.Enqueue(windowKey);
        }

        _expiring.Enqueue(windowKey);
    }

    private static bool RemoveSlot(List<Slot> slots, long start, long end)
    {
        if (Find(slots, start, end) is not (var i and >= 0))
        {
            return false;
        }

        slots.RemoveAt(i);
        return true;
    }

    private static int Find(List<Slot> slots, long start, long end)
    {
        for (var i = slots.Count - 1; i >= 0; i--)
        {
            if (slots[i].Start == start && slots[i].End == end)
            {
                return i;
            }
        }

        return -1;
    }

    private static int Compare(Slot slot, long start, long end) =>
        slot.Start != start ? slot.Start.CompareTo(start) : slot.End.CompareTo(end);

    /// <summary>Reads a key's slots (sessions and sliding tables) from the index store into <paramref name="into"/>.</summary>
    private void LoadSlots(TKey key, List<Slot> into)
    {
        into.Clear();
        if (!_index.TryGet(IndexKey<TKey>.SlotsOf(key), out var bytes))
        {
            return;
        }

        for (var offset = 0; offset + SlotBytes <= bytes.Length; offset += SlotBytes)
        {
            var span = bytes.AsSpan(offset);
            into.Add(new Slot(BinaryPrimitives.ReadInt64BigEndian(span), BinaryPrimitives.ReadInt64BigEndian(span[8..])) { Closed = span[16] != 0 });
        }
    }

    /// <summary>Writes a key's slots back (deletes the record when none is left).</summary>
    private void SaveSlots(TKey key, List<Slot> slots)
    {
        var indexKey = IndexKey<TKey>.SlotsOf(key);
        if (slots.Count == 0)
        {
            _index.Delete(indexKey);
            return;
        }

        var bytes = new byte[slots.Count * SlotBytes];
        for (var i = 0; i < slots.Count; i++)
        {
            var span = bytes.AsSpan(i * SlotBytes);
            BinaryPrimitives.WriteInt64BigEndian(span, slots[i].Start);
            BinaryPrimitives.WriteInt64BigEndian(span[8..], slots[i].End);
            span[16] = slots[i].Closed ? (byte)1 : (byte)0;
        }

        _index.Put(indexKey, bytes);
    }

    /// <summary>
    /// Writes the table's time, window count, open removed windows and the queues' directories to the index store (after
    /// their tails), when any changed: a checkpoint of both stores then holds the whole window index.
    /// </summary>
    private void WriteMeta()
    {
        if (!_metaDirty && !_closing.Dirty && !_expiring.Dirty && _metaTimeMs == _timeMs)
        {
            return;
        }

        _closing.SpillTails();
        _expiring.SpillTails();
        var pages = new List<byte[]>();
        var page = new ArrayBufferWriter<byte>(MetaPageBytes);
        void Long(long value)
        {
            BinaryPrimitives.WriteInt64BigEndian(page.GetSpan(8), value);
            page.Advance(8);
        }

        Long(MetaVersion);
        Long(_timeMs);
        Long(WindowCount);
        Long(_removedOpen.Count);
        foreach (var removed in _removedOpen)
        {
            _key.ResetWrittenCount();
            _windowKeyCodec.Write(_key, removed);
            var words = (_key.WrittenCount + 7) / 8;
            if (page.WrittenCount + (8 * (words + 1)) > MetaPageBytes && page.WrittenCount > 0)
            {
                pages.Add(page.WrittenSpan.ToArray());
                page.ResetWrittenCount();
            }

            Long(_key.WrittenCount);
            var padded = page.GetSpan(8 * words)[..(8 * words)];
            padded.Clear();
            _key.WrittenSpan.CopyTo(padded);
            page.Advance(8 * words);
        }

        pages.Add(page.WrittenSpan.ToArray());
        _closing.WriteDirectory(pages, MetaPageBytes);
        _expiring.WriteDirectory(pages, MetaPageBytes);

        // Page 0 says how many pages follow.
        var header = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(header, pages.Count);
        for (var i = 0; i < pages.Count; i++)
        {
            _index.Put(IndexKey<TKey>.Meta(i + 1), pages[i]);
        }

        for (var stale = pages.Count; stale < _metaPages; stale++)
        {
            _index.Delete(IndexKey<TKey>.Meta(stale + 1));
        }

        _index.Put(IndexKey<TKey>.Meta(0), header);
        _metaPages = pages.Count;
        _metaTimeMs = _timeMs;
        _metaDirty = false;
    }

    /// <summary>After both stores were recovered from a checkpoint: reads the time, counts and queue directories back.</summary>
    private void LoadMeta()
    {
        ForgetAll();
        if (!_index.TryGet(IndexKey<TKey>.Meta(0), out var header))
        {
            return;
        }

        var count = (int)BinaryPrimitives.ReadInt64BigEndian(header);
        var pages = new List<byte[]>(count);
        for (var i = 0; i < count; i++)
        {
            pages.Add(_index.TryGet(IndexKey<TKey>.Meta(i + 1), out var page)
                ? page
                : throw new System.IO.InvalidDataException($"Windowed table '{Definition.Name}' lost page {i + 1} of its index metadata."));
        }

        var reader = new MetaReader(pages);
        var version = reader.Long();
        if (version != MetaVersion)
        {
            throw new System.IO.InvalidDataException($"Windowed table '{Definition.Name}' has index metadata of version {version}; this version reads {MetaVersion}.");
        }

        _timeMs = reader.Long();
        WindowCount = (int)reader.Long();
        var removed = reader.Long();
        for (long i = 0; i < removed; i++)
        {
            var length = (int)reader.Long();
            var bytes = new byte[(length + 7) / 8 * 8];
            for (var word = 0; word < bytes.Length; word += 8)
            {
                BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(word), reader.Long());
            }

            _removedOpen.Add(_windowKeyCodec.Read(bytes.AsSpan(0, length)));
        }

        _closing.ReadDirectory(reader);
        _expiring.ReadDirectory(reader);
        _metaPages = count;
        _metaTimeMs = _timeMs;
        _flushedTimeMs = _timeMs;
    }

    /// <summary>Forgets the in-memory part of the index (the stores were emptied or are being recovered).</summary>
    private void ForgetAll()
    {
        _closing.Clear();
        _expiring.Clear();
        _removedOpen.Clear();
        _timeMs = -1;
        _flushedTimeMs = -1;
        _metaTimeMs = -1;
        _metaPages = 0;
        _metaDirty = false;
        WindowCount = 0;
    }

    private string FormatValue(TValue value)
    {
        _value.ResetWrittenCount();
        Definition.ValueCodec.Write(_value, value);
        return Topics.CodecText.Format(Definition.ValueCodec, _value.WrittenSpan);
    }

    private struct Slot(long start, long end)
    {
        public readonly long Start = start;
        public readonly long End = end;
        public bool Closed;
    }
}
