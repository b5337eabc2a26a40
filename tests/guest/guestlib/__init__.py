"""Host side of the guest tests: build an initramfs, boot Debian's kernel in qemu, read results."""
