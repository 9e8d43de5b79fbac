using System;

namespace Withdrawals;

/// <summary>Faust's <c>Withdrawal</c> record: someone took money out, in a country, at a time.</summary>
public sealed record Withdrawal(string User, string Country, double Amount, DateTimeOffset Date);
