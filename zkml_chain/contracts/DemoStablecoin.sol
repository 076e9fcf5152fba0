// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @notice The asset the demo pool lends: a plain ERC-20 its owner mints (local chains only).
contract DemoStablecoin is ERC20, Ownable {
    constructor(address initialOwner) ERC20("Demo Dollar", "dUSD") Ownable(initialOwner) {}

    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}
