# Removes the ratwatch agent installed by install.ps1. Keeps %ProgramData%\ratwatch (config, spool,
# agent id) unless -Purge is given, so a reinstall reports as the same agent. Safe to run twice.
#   powershell.exe -ExecutionPolicy Bypass -File uninstall.ps1 [-Purge]
[CmdletBinding()]
param([switch]$Purge)
$ErrorActionPreference = 'Stop'

$programFiles = if ($env:ProgramW6432) { $env:ProgramW6432 } else { $env:ProgramFiles }
$installDir = Join-Path $programFiles 'ratwatch'
$dataDir = Join-Path $env:ProgramData 'ratwatch'
$exe = Join-Path $installDir 'ratwatch.exe'
$taskPath = '\ratwatch\'
$taskName = 'ratwatch-agent'

$task = Get-ScheduledTask -TaskPath $taskPath -TaskName $taskName -ErrorAction SilentlyContinue
if ($task) {
    Stop-ScheduledTask -TaskPath $taskPath -TaskName $taskName
    Unregister-ScheduledTask -TaskPath $taskPath -TaskName $taskName -Confirm:$false
}
Get-Process -Name 'ratwatch' -ErrorAction SilentlyContinue |
    Where-Object { $_.Path -eq $exe } |
    ForEach-Object { try { $_.Kill(); $_.WaitForExit(10000) | Out-Null } catch { } }  # it may exit on its own meanwhile

if (Test-Path -LiteralPath $installDir) { Remove-Item -LiteralPath $installDir -Recurse -Force }
if ($Purge -and (Test-Path -LiteralPath $dataDir)) { Remove-Item -LiteralPath $dataDir -Recurse -Force }
Write-Output "ratwatch removed$(if ($Purge) { ' (configuration and spool purged)' } else { "; kept $dataDir" })"
