# ipcutils: fish completion for every ipcutils tool.
#
# Installed once as ipcutils.fish and linked as TOOL.fish for each tool,
# as fish loads a command's completions by its name.  As bash's
# (completion/ipcutils): the options come from the tool's own --help, so
# that this file never falls behind the tools; object names come from
# /dev/mqueue and /dev/shm, by the tool's family (lib/ipcutils.h's
# IPC_MQ_DIR, IPC_SHM_DIR and IPC_SEM_PREFIX).

# Complete a tool's options from the "  -x, --long arg   what" lines of
# its --help.
function __ipcutils_learn --argument-names tool
    set -l re '^ +(?:-([^-]), )? *--([[:alnum:]-]+)(?: ([^ ]+))?(?: {2,}(.*))?$'
    command $tool --help 2>/dev/null | while read -l line
        set -l f (string replace -rf -- $re '$1\t$2\t$3\t$4' $line | string split \t)
        or continue
        set -l args -c $tool -l $f[2]
        test -n "$f[1]"; and set -a args -s $f[1]
        test -n "$f[4]"; and set -a args -d $f[4]
        if test -n "$f[3]"
            switch $f[3]
                case file path '*file' '*path'
                    set -a args -r -F
                case '*'
                    set -a args -r -f
            end
            test "$f[2]" = type; and set -a args -a 'mq sem shm'
        end
        complete $args
    end
end

# The objects of a tool's family, without their slash.
function __ipcutils_names --argument-names tool
    set -l f
    switch $tool
        case 'mq-*'
            set f /dev/mqueue/*
        case 'sem-*'
            set f /dev/shm/sem.*
        case 'shm-*'
            set f (string match -v '/dev/shm/sem.*' /dev/shm/*)
        case 'ipc-*'
            set f /dev/mqueue/* /dev/shm/*
    end
    for p in $f
        test -f $p; and string replace -r '^.*/(sem\.)?' '' -- $p
    end
end

# The name this file was loaded as: the tool it completes.
set -l __ipcutils_tool (string replace -r '\.fish$' '' -- (basename (status filename)))
if test "$__ipcutils_tool" != ipcutils
    __ipcutils_learn $__ipcutils_tool
    switch $__ipcutils_tool
        case 'ipc-*'
            complete -c $__ipcutils_tool -f -a "(__ipcutils_names $__ipcutils_tool)"
        case 'mq-*' 'sem-*' 'shm-*'
            complete -c $__ipcutils_tool -f -n __fish_is_first_arg -a "(__ipcutils_names $__ipcutils_tool)"
    end
end
