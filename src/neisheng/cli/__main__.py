from neisheng.cli import main

main(prog_name="neisheng")
