using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.CompilerServices;
using Faustish.Agents;
using Faustish.Tables.Windows;

namespace Faustish;

/// <summary>
/// Base of every windowed <c>[Table]</c> class: keyed values per time window (tumbling, hopping, sliding or session;
/// see <see cref="WindowSpec"/>), with grace for late events, expiry, and a close callback.
/// </summary>
/// <example>
/// <code>
/// [Table("views-per-minute", Window = "tumbling 1m grace 10s", Expires = "1h")]
/// public sealed partial class ViewsPerMinute : WindowedTable&lt;string, long&gt;
/// {
///     protected override void OnWindowClosed(string page, Window window, long views) =&gt;
///         new MinuteTotals(Sender).Send(page, new MinuteTotal(page, window.Start, views));
/// }
///
/// perMinute[page] += 1;                      // the window(s) of the event being processed
/// perMinute[page, view.At] += 1;             // the window(s) of an explicit time (relative to a field)
/// long now = perMinute[page].Now();          // window of the wall clock
/// long current = perMinute[page].Current();  // window of the current event
/// long before = perMinute[page].Delta(TimeSpan.FromMinutes(5));
/// foreach (var (window, views) in perMinute.Windows(page)) { ... }
/// </code>
/// </example>
/// <remarks>
/// Values are combined with <see cref="Merge"/>: addition for numbers; override it for other value types. A window
/// that has no value yet takes the first value merged into it as it is.
/// </remarks>
public abstract class WindowedTable<TKey, TValue> : Table<TKey, TValue> where TKey : notnull
{
    protected WindowedTable(WindowedTableShard<TKey, TValue> shard)
        : base((shard ?? throw new ArgumentNullException(nameof(shard))).Definition.Name, shard.Partition) =>
        WindowShard = shard;

    /// <summary>The partition-local windows behind this table instance.</summary>
    protected internal WindowedTableShard<TKey, TValue> WindowShard { get; }

    /// <summary>The table's window, parsed.</summary>
    public WindowSpec Spec => WindowShard.Spec;

    /// <summary>
    /// The windows of <paramref name="key"/> at the table's reference time (the current event's, or the wall clock's with
    /// <see cref="WindowTime.Now"/>): read with <c>.Value()</c>, <c>.Current()</c>, <c>.Now()</c>, <c>.Delta(d)</c>; write
    /// with <c>+=</c> (merge into every window containing that time) or <c>=</c> (replace).
    /// </summary>
    public new WindowSet<TKey, TValue> this[TKey key]
    {
        get => new(this, key, null);
        set => value.ApplyTo(this, key, WindowShard.ReferenceTimeMs);
    }

    /// <summary>The windows of <paramref name="key"/> at an explicit time (Faust's relative_to_field).</summary>
    public WindowSet<TKey, TValue> this[TKey key, DateTimeOffset at]
    {
        get => new(this, key, at.ToUnixTimeMilliseconds());
        set => value.ApplyTo(this, key, at.ToUnixTimeMilliseconds());
    }

    /// <summary>Adds one to the key's windows at the table's reference time.</summary>
    public void Increment(TKey key) => WindowShard.Apply(key, WindowShard.ReferenceTimeMs, merge: true, One());

    /// <summary>Merges <paramref name="by"/> into the key's windows at the table's reference time.</summary>
    public void Increment(TKey key, TValue by) => WindowShard.Apply(key, WindowShard.ReferenceTimeMs, merge: true, by);

    /// <summary>Merges <paramref name="by"/> into the key's windows that contain <paramref name="at"/>.</summary>
    public void Increment(TKey key, TValue by, DateTimeOffset at) => WindowShard.Apply(key, at.ToUnixTimeMilliseconds(), merge: true, by);

    /// <summary>The key's live windows with their values, in time order (allocates; not for per-event use).</summary>
    public IReadOnlyList<WindowedValue<TValue>> Windows(TKey key) => WindowShard.Windows(key);

    /// <summary>Whether the key has any live window.</summary>
    public new bool ContainsKey(TKey key) => WindowShard.ContainsKey(key);

    /// <summary>Reads the value of the window at the table's reference time; false when the key has no windows.</summary>
    public new bool TryGetValue(TKey key, out TValue value)
    {
        value = WindowShard.ValueAt(key, WindowShard.ReferenceTimeMs);
        return WindowShard.ContainsKey(key);
    }

    /// <summary>Removes every window of a key; the changelog gets tombstones.</summary>
    public new bool Remove(TKey key) => WindowShard.Remove(key);

    /// <summary>Each key with the value of its latest window (allocates; not for per-event use).</summary>
    public new IEnumerable<KeyValuePair<TKey, TValue>> Entries()
    {
        foreach (var key in new List<TKey>(WindowShard.Keys()))
        {
            var windows = WindowShard.Windows(key);
            if (windows.Count > 0)
            {
                yield return new KeyValuePair<TKey, TValue>(key, windows[^1].Value);
            }
        }
    }

    /// <summary>The agent partition's sender, for the close callback's sends (they commit with the partition's progress).</summary>
    protected RecordSender Sender => (WindowShard.Context as AgentPartitionContext)?.Sender ??
        throw new InvalidOperationException($"Windowed table '{Name}' is not bound to an agent partition, so it has no sender.");

    /// <summary>The app's services, for the close callback.</summary>
    protected IServiceProvider Services => (WindowShard.Context as AgentPartitionContext)?.Services ??
        throw new InvalidOperationException($"Windowed table '{Name}' is not bound to an agent partition, so it has no services.");

    /// <summary>
    /// Combines two values: a window's value and a value merged into it (<c>+=</c>, <see cref="Increment(TKey, TValue)"/>), or
    /// two session windows' values when an event joins them, or a sliding window's per-event values. Adds numbers;
    /// override it for other value types.
    /// </summary>
    protected virtual TValue Merge(TValue accumulated, TValue value) => Sum(accumulated, value, Name);

    /// <summary>
    /// Called once per (key, window) when the window closes: when the table's time passes its end plus grace (stream
    /// time, and the wall clock with <see cref="WindowClose.WallClock"/>). Runs on the partition's worker thread after a
    /// batch. Windows closed before the last commit do not close again after a restart.
    /// </summary>
    protected virtual void OnWindowClosed(TKey key, Window window, TValue value)
    {
    }

    internal TValue MergeValues(TValue accumulated, TValue value) => Merge(accumulated, value);

    internal void WindowClosed(TKey key, Window window, TValue value) => OnWindowClosed(key, window, value);

    private static TValue One()
    {
        if (typeof(TValue) == typeof(long))
        {
            var one = 1L;
            return Unsafe.As<long, TValue>(ref one);
        }

        if (typeof(TValue) == typeof(int))
        {
            var one = 1;
            return Unsafe.As<int, TValue>(ref one);
        }

        if (typeof(TValue) == typeof(double))
        {
            var one = 1d;
            return Unsafe.As<double, TValue>(ref one);
        }

        throw new NotSupportedException($"Increment(key) needs a long, int or double value; {typeof(TValue)} is not one. Use Increment(key, by).");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TValue Sum(TValue a, TValue b, string table)
    {
        // The JIT folds these checks away for each value type it specialises on.
        if (typeof(TValue) == typeof(long))
        {
            return Add<long>(a, b);
        }

        if (typeof(TValue) == typeof(int))
        {
            return Add<int>(a, b);
        }

        if (typeof(TValue) == typeof(double))
        {
            return Add<double>(a, b);
        }

        if (typeof(TValue) == typeof(float))
        {
            return Add<float>(a, b);
        }

        if (typeof(TValue) == typeof(decimal))
        {
            return Add<decimal>(a, b);
        }

        throw new NotSupportedException(
            $"Windowed table '{table}' merges {typeof(TValue)} values, which are not numbers: override Merge(accumulated, value) in the table class.");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TValue Add<TNumber>(TValue a, TValue b) where TNumber : INumber<TNumber>
    {
        var sum = Unsafe.As<TValue, TNumber>(ref a) + Unsafe.As<TValue, TNumber>(ref b);
        return Unsafe.As<TNumber, TValue>(ref sum);
    }
}

/// <summary>
/// A key's windows in a windowed table, at a time (Faust's <c>WindowSet</c>): <c>table[key]</c> or <c>table[key, at]</c>.
/// Read one window with <see cref="Value"/>, <see cref="Current"/>, <see cref="Now"/> or <see cref="Delta"/>; write with
/// <c>table[key] += value</c> (merged into every window that contains the time) or <c>table[key] = value</c> (replaces).
/// </summary>
public readonly struct WindowSet<TKey, TValue> where TKey : notnull
{
    private readonly WindowedTable<TKey, TValue>? _table;
    private readonly TKey _key;
    private readonly long? _atMs;
    private readonly Operation _operation;
    private readonly TValue _operand;

    internal WindowSet(WindowedTable<TKey, TValue> table, TKey key, long? atMs)
    {
        _table = table;
        _key = key;
        _atMs = atMs;
        _operation = Operation.None;
        _operand = default!;
    }

    private WindowSet(WindowedTable<TKey, TValue>? table, TKey key, long? atMs, Operation operation, TValue operand)
    {
        _table = table;
        _key = key;
        _atMs = atMs;
        _operation = operation;
        _operand = operand;
    }

    private enum Operation : byte
    {
        None,
        Merge,
        Set,
    }

    /// <summary>
    /// The value of the latest window containing this set's time: the explicit time of <c>table[key, at]</c>, else the
    /// table's reference time (the current event's; the wall clock's with <see cref="WindowTime.Now"/>). Default when none.
    /// </summary>
    public TValue Value() => Shard.ValueAt(_key, _atMs ?? Shard.ReferenceTimeMs);

    /// <summary>The value of the window of the event being processed (relative to stream).</summary>
    public TValue Current() => Shard.ValueAt(_key, Shard.EventTimeMs);

    /// <summary>The value of the window of the wall clock now (relative to now).</summary>
    public TValue Now() => Shard.ValueAt(_key, Shard.WallClockMs);

    /// <summary>The value of the window <paramref name="delta"/> before this set's time (Faust's <c>delta</c>).</summary>
    public TValue Delta(TimeSpan delta) => Shard.ValueAt(_key, (_atMs ?? Shard.ReferenceTimeMs) - (long)delta.TotalMilliseconds);

    public override string ToString() => _table is null ? $"{_operation} {_operand}" : $"{_table.Name}[{_key}]";

    private WindowedTableShard<TKey, TValue> Shard =>
        _table?.WindowShard ?? throw new InvalidOperationException("This WindowSet is a value to write, not a table's windows.");

    /// <summary>Merges <paramref name="value"/> into the windows (for <c>table[key] += value</c>).</summary>
    public static WindowSet<TKey, TValue> operator +(WindowSet<TKey, TValue> windows, TValue value) =>
        new(windows._table, windows._key, windows._atMs, Operation.Merge, value);

    /// <summary>A value that replaces the windows' values (for <c>table[key] = value</c>).</summary>
    public static implicit operator WindowSet<TKey, TValue>(TValue value) => Replacing(value);

    /// <summary>
    /// Alternative to the implicit conversion: a value that replaces the windows' values. Also for value types that are
    /// interfaces (<c>IReadOnlyList&lt;T&gt;</c>), from which C# applies no user-defined conversion.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1000:Do not declare static members on generic types",
        Justification = "The named alternative of the conversion operator; generated code calls it with the types spelled out.")]
    public static WindowSet<TKey, TValue> Replacing(TValue value) => new(null, default!, null, Operation.Set, value);

    /// <summary>Alternative to <c>+</c>: merges <paramref name="value"/> into the windows.</summary>
    public WindowSet<TKey, TValue> Add(TValue value) => this + value;

    internal void ApplyTo(WindowedTable<TKey, TValue> table, TKey key, long timeMs)
    {
        if (_operation == Operation.None)
        {
            throw new InvalidOperationException(
                $"Assign a value (table[key] = value) or merge one (table[key] += value) into windowed table '{table.Name}'; a key's windows cannot be copied.");
        }

        table.WindowShard.Apply(key, timeMs, _operation == Operation.Merge, _operand);
    }
}
