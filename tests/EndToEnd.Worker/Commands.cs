using Faustish;

namespace Faustish.EndToEnd.Worker;

/// <summary>A command for an account: JSON-encoded, so malformed bytes can be sent to test dead letters.</summary>
public sealed record AccountCommand(string Action, long Amount);

[Topic("account-commands", Partitions = 2)]
public sealed partial class AccountCommands : Topic<string, AccountCommand>;

[Table("balances")]
public sealed partial class Balances : Table<string, long>;

/// <summary>Applies deposits; a command with action "fail" throws, to test the error policy.</summary>
[Agent(typeof(AccountCommands))]
public sealed partial class ApplyCommands(Balances balances)
{
    public void Process(string account, AccountCommand command)
    {
        if (command.Action == "fail")
        {
            throw new System.InvalidOperationException($"Account {account} refused the command.");
        }

        balances.Increment(account, command.Amount);
    }
}
