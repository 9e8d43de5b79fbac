using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Faustish.Tables;

/// <summary>Addition for the numeric value types tables increment (long, int, double), without boxing.</summary>
internal static class Numeric
{
    /// <summary>Whether <typeparamref name="T"/> is a type <see cref="Sum"/> adds.</summary>
    public static bool IsNumeric<T>() => typeof(T) == typeof(long) || typeof(T) == typeof(int) || typeof(T) == typeof(double);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Sum<T>(T a, T b)
    {
        // The JIT folds these checks away for each value type it specialises on.
        if (typeof(T) == typeof(long))
        {
            return Add<T, long>(a, b);
        }

        if (typeof(T) == typeof(int))
        {
            return Add<T, int>(a, b);
        }

        if (typeof(T) == typeof(double))
        {
            return Add<T, double>(a, b);
        }

        throw new NotSupportedException($"Increment needs a numeric table value; {typeof(T)} is not one.");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T Add<T, TNumber>(T a, T b) where TNumber : INumber<TNumber>
    {
        var sum = Unsafe.As<T, TNumber>(ref a) + Unsafe.As<T, TNumber>(ref b);
        return Unsafe.As<TNumber, T>(ref sum);
    }
}
