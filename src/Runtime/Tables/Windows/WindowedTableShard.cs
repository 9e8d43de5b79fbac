using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
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
/// One partition of a windowed table. Values live in the store under (key, window start, window end); an in-memory
/// index of each key's live windows (rebuilt from the store after restore, since FASTER cannot range-scan) gives
/// iteration in time order, session merging, and two queues ordered by close and expiry time.
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
/// flush. Restore reads it back, marks windows closed before it as closed without firing their callbacks, and
/// expires what is past retention (writing tombstones again at the next flush), so recovery neither resurrects
/// expired windows nor fires a close callback twice for windows closed before the last commit.</para>
/// </remarks>
public sealed class WindowedTableShard<TKey, TValue> : IWindowedShard, IWallClockDeadline where TKey : notnull
{
    private const byte TimeRecordVersion = 1;

    // Every write goes through the cache, which also tracks the keys the next changelog flush sends.
    private readonly WriteCache<WindowKey<TKey>, TValue> _store;
    private readonly Dictionary<TKey, List<Slot>> _index = [];
    private readonly PriorityQueue<WindowKey<TKey>, long> _closing = new();
    private readonly PriorityQueue<WindowKey<TKey>, long> _expiring = new();
    private readonly ArrayBufferWriter<byte> _key = new(256);
    private readonly ArrayBufferWriter<byte> _value = new(1024);
    private readonly List<long> _times = [];
    private readonly List<long> _starts = [];
    private readonly WindowedTable<TKey, TValue> _table;
    private long _timeMs = -1;
    private long _flushedTimeMs = -1;
    private long _wallClockMs = -1;

    public WindowedTableShard(WindowedTableDefinition<TKey, TValue> definition, WindowSpec spec, int partition, IStateStore<WindowKey<TKey>, TValue> store)
    {
        Definition = definition ?? throw new ArgumentNullException(nameof(definition));
        Spec = spec ?? throw new ArgumentNullException(nameof(spec));
        _store = new WriteCache<WindowKey<TKey>, TValue>(store ?? throw new ArgumentNullException(nameof(store)));
        Partition = partition;
        _table = definition.CreateTable(this);
    }

    public WindowedTableDefinition<TKey, TValue> Definition { get; }

    TableDefinition ITableShard.Definition => Definition;

    public WindowSpec Spec { get; }

    public int Partition { get; }

    public object Table => _table;

    public int PendingWrites => _store.Count;

    /// <summary>The agent partition's context, once bound.</summary>
    public IWindowContext? Context { get; private set; }

    /// <summary>The table's time C (Unix ms; -1 while the table has no time): see the remarks on the class.</summary>
    public long TimeMs => _timeMs < 0 ? -1 : Math.Max(_timeMs, Context?.StreamTimeMs ?? -1);

    /// <summary>Events that missed a closed window, since the shard opened (also counted in <c>faustish.window.late_events</c>).</summary>
    public long LateEvents { get; private set; }

    /// <summary>Close callbacks fired since the shard opened.</summary>
    public long ClosedWindows { get; private set; }

    /// <summary>Entries in the index (all keys): windows, and for sliding tables also their event-time entries.</summary>
    public int WindowCount { get; private set; }

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
                    if (IsClosed(key, start, end, now))
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
                ApplySliding(key, timeMs, merge, operand, now);
                break;
            default:
                ApplySession(key, timeMs, merge, operand, now);
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
                return _index.ContainsKey(key) ? SlidingTotal(key, Math.Max(0, timeMs - Spec.SizeMs), timeMs, now) : default!;
            default:
                if (_index.TryGetValue(key, out var slots))
                {
                    // The latest live window containing the time.
                    for (var i = slots.Count - 1; i >= 0; i--)
                    {
                        var slot = slots[i];
                        if (IsWindow(slot) && slot.Start <= timeMs && timeMs <= slot.End && Live(slot, now))
                        {
                            return _store.TryGet(new WindowKey<TKey>(key, slot.Start, slot.End), out var found) ? found : default!;
                        }
                    }
                }

                return default!;
        }
    }

    /// <summary>The key's live windows and their values, in time order.</summary>
    public IReadOnlyList<WindowedValue<TValue>> Windows(TKey key)
    {
        if (!_index.TryGetValue(key, out var slots))
        {
            return [];
        }

        var now = TimeMs;
        var windows = new List<WindowedValue<TValue>>(slots.Count);
        foreach (var slot in slots)
        {
            if (IsWindow(slot) && Live(slot, now))
            {
                windows.Add(new WindowedValue<TValue>(WindowOf(slot), WindowValue(key, slot)));
            }
        }

        return windows;
    }

    /// <summary>Every key that has live windows.</summary>
    public IEnumerable<TKey> Keys()
    {
        foreach (var key in _index.Keys)
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
        if (!_index.Remove(key, out var slots))
        {
            return false;
        }

        foreach (var slot in slots)
        {
            var windowKey = new WindowKey<TKey>(key, slot.Start, slot.End);
            _store.Delete(windowKey);
        }

        WindowCount -= slots.Count;
        return true;
    }

    public bool ContainsKey(TKey key)
    {
        if (!_index.TryGetValue(key, out var slots))
        {
            return false;
        }

        var now = TimeMs;
        foreach (var slot in slots)
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

            long? next = _closing.TryPeek(out _, out var closeAt) ? closeAt : null;
            if (_expiring.TryPeek(out _, out var expireAt) && (next is null || expireAt < next))
            {
                next = expireAt;
            }

            return next;
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
                if (record.ValueIsNull)
                {
                    _store.Store.Delete(key);
                }
                else
                {
                    _store.Store.Put(key, Definition.ValueCodec.Read(batch.ValueOf(in record)));
                }
            }
        }

        return batch.Count;
    }

    public void CompleteRestore()
    {
        RebuildIndex();
        _flushedTimeMs = _timeMs;
    }

    /// <summary>
    /// Rebuilds the index from the store, then marks windows that closed before the table's time as closed (their
    /// callbacks fired before the last commit) and removes expired ones. Restore calls it; a store recovered from
    /// a local checkpoint can call it too.
    /// </summary>
    public void RebuildIndex()
    {
        _index.Clear();
        _closing.Clear();
        _expiring.Clear();
        WindowCount = 0;
        var keys = new List<WindowKey<TKey>>();
        foreach (var (key, _) in _store.Scan())
        {
            keys.Add(key);
        }

        foreach (var key in keys)
        {
            AddSlot(key.Key, key.StartMs, key.EndMs);
        }

        CloseAndExpire(_timeMs, fire: false);
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
        foreach (var key in new List<TKey>(_index.Keys))
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

    public void Dispose() => _store.Dispose();

    /// <summary>
    /// KIP-450: each event time <c>t</c> calls for its left window <c>[max(0, t - size), that + size]</c>, and for its right
    /// window <c>[t + 1, t + 1 + size]</c> when a later event falls in it; each window holds the merge of the events it spans.
    /// A write updates its event-time entry, every open window containing it (creating those it now calls for), and
    /// creates its own right window when a later event already exists. Closed windows keep their value; the write is late
    /// for them.
    /// </summary>
    private void ApplySliding(TKey key, long timeMs, bool merge, TValue operand, long now)
    {
        var size = Spec.SizeMs;
        var leftStart = Math.Max(0, timeMs - size);

        // Every window containing the time ends by time + size: when that one is closed, so are all.
        if (Spec.CloseAt(timeMs, timeMs + size) <= now)
        {
            Late(timeMs, new Window(leftStart, leftStart + size, endInclusive: true), now, applied: false);
            return;
        }

        // The live event times near this one, with this one: windows containing it start from time - size - 1.
        _times.Clear();
        _starts.Clear();
        _times.Add(timeMs);
        var hasLater = false;
        if (_index.TryGetValue(key, out var slots))
        {
            foreach (var slot in slots)
            {
                if (!IsWindow(slot) && slot.Start != timeMs && Live(slot, now) && slot.Start >= timeMs - 2 * size - 1 && slot.Start <= timeMs + size + 1)
                {
                    _times.Add(slot.Start);
                    hasLater |= slot.Start > timeMs;
                }
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
        var createRight = hasLater && !IsClosed(key, right.StartMs, right.EndMs, now) && !_store.TryGet(right, out _);
        Window? missed = null;
        var anyOpen = createRight;
        foreach (var start in _starts)
        {
            if (IsClosed(key, start, start + size, now))
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
            return;
        }

        var entry = new WindowKey<TKey>(key, timeMs, timeMs);
        _store.Put(entry, merge && _store.TryGet(entry, out var current) ? _table.MergeValues(current, operand) : operand);
        AddSlot(key, timeMs, timeMs);
        foreach (var start in _starts)
        {
            var end = start + size;
            if (IsClosed(key, start, end, now))
            {
                continue;
            }

            var window = new WindowKey<TKey>(key, start, end);
            _store.Put(window, merge && _store.TryGet(window, out var value) ? _table.MergeValues(value, operand) : SlidingTotal(key, start, end, now));
            AddSlot(key, start, end);
        }

        if (createRight)
        {
            _store.Put(right, SlidingTotal(key, right.StartMs, right.EndMs, now));
            AddSlot(key, right.StartMs, right.EndMs);
        }

        if (missed is { } late)
        {
            // Kept in its event-time entry (and so in windows it calls for later) even when only its right window was new.
            Late(timeMs, late, now, applied: true);
        }
    }

    /// <summary>The merge of the key's live event-time entries in <c>[start, end]</c>.</summary>
    private TValue SlidingTotal(TKey key, long start, long end, long now)
    {
        TValue total = default!;
        var any = false;
        foreach (var slot in _index[key])
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

    private void ApplySession(TKey key, long timeMs, bool merge, TValue operand, long now)
    {
        var gap = Spec.SizeMs;
        var start = timeMs;
        var end = timeMs;
        var hasValue = false;
        TValue merged = default!;
        List<Slot>? overlapping = null;
        if (_index.TryGetValue(key, out var slots))
        {
            foreach (var slot in slots)
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
        }

        if (Spec.CloseAt(start, end) <= now)
        {
            Late(timeMs, new Window(start, end, endInclusive: true), now, applied: false);
            return;
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
                    RemoveSlot(key, slot.Start, slot.End);
                }
            }
        }

        var next = !merge ? operand : hasValue ? _table.MergeValues(merged, operand) : operand;
        var windowKey = new WindowKey<TKey>(key, start, end);
        _store.Put(windowKey, next);
        AddSlot(key, start, end);
    }

    private void Write(TKey key, long start, long end, bool merge, TValue operand)
    {
        var windowKey = new WindowKey<TKey>(key, start, end);
        var next = merge && _store.TryGet(windowKey, out var current) ? _table.MergeValues(current, operand) : operand;
        _store.Put(windowKey, next);
        AddSlot(key, start, end);
    }

    private void Late(long eventTimeMs, Window window, long now, bool applied)
    {
        LateEvents++;
        Context?.OnLateEvent(new LateEvent(Definition.Name, Definition.Window.Late, eventTimeMs, window, now, applied, Spec.CloseAt(window.StartMs, window.EndMs)));
    }

    private bool IsClosed(TKey key, long start, long end, long now)
    {
        if (Spec.CloseAt(start, end) <= now)
        {
            return true;
        }

        // Closed by the wall clock at the last Advance, while stream time lags behind.
        return _index.TryGetValue(key, out var slots) && Find(slots, start, end) is var i and >= 0 && slots[i].Closed;
    }

    private void CloseAndExpire(long now, bool fire, bool expire = true)
    {
        while (_closing.TryPeek(out var key, out var at) && at <= now)
        {
            _closing.Dequeue();
            if (!_index.TryGetValue(key.Key, out var slots) || Find(slots, key.StartMs, key.EndMs) is not (var i and >= 0) || slots[i].Closed)
            {
                continue;
            }

            CollectionsMarshal.AsSpan(slots)[i].Closed = true;
            if (fire)
            {
                var slot = slots[i];
                ClosedWindows++;
                _table.WindowClosed(key.Key, WindowOf(slot), WindowValue(key.Key, slot));
            }
        }

        while (expire && _expiring.TryPeek(out var key, out var at) && at <= now)
        {
            _expiring.Dequeue();
            if (RemoveSlot(key.Key, key.StartMs, key.EndMs))
            {
                _store.Delete(key);
            }
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

    private void AddSlot(TKey key, long start, long end)
    {
        if (!_index.TryGetValue(key, out var slots))
        {
            slots = new List<Slot>(2);
            _index.Add(key, slots);
        }

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
            _closing.Enqueue(windowKey, Spec.CloseAt(start, end));
        }

        _expiring.Enqueue(windowKey, Spec.ExpireAt(start, end));
    }

    private bool RemoveSlot(TKey key, long start, long end)
    {
        if (!_index.TryGetValue(key, out var slots) || Find(slots, start, end) is not (var i and >= 0))
        {
            return false;
        }

        slots.RemoveAt(i);
        WindowCount--;
        if (slots.Count == 0)
        {
            _index.Remove(key);
        }

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
