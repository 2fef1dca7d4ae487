// The host-setting keys collectors emit (SettingInfo.key) and catalog tools match on. One list so a
// collector for one OS and a catalog entry cannot drift apart in spelling.
export const SETTING_KEYS = {
  rdpEnabled: 'rdp.enabled', // Windows: HKLM\SYSTEM\CurrentControlSet\Control\Terminal Server fDenyTSConnections = 0
  remoteAssistanceEnabled: 'remote-assistance.enabled', // Windows: ...\Control\Remote Assistance fAllowToGetHelp = 1
  screenSharingEnabled: 'screensharing.enabled', // macOS: com.apple.screensharing launchd job enabled
  remoteManagementEnabled: 'remote-management.enabled', // macOS: Apple Remote Desktop agent (ARDAgent) enabled
  sshServerEnabled: 'ssh-server.enabled', // any OS: an SSH server enabled or listening
  remoteLoginEnabled: 'remote-login.enabled', // macOS: systemsetup -getremotelogin
  // not remote access: whether the scan itself ran as an administrator (Windows; Linux and macOS read the uid)
  agentPrivileged: 'agent.privileged',
} as const;

export type SettingKey = (typeof SETTING_KEYS)[keyof typeof SETTING_KEYS];
